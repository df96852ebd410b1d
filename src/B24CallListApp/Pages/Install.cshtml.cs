using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using B24CallListApp.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Localization;

namespace B24CallListApp.Pages;

/// <summary>
/// <c>POST /install</c>: the installer page the portal opens in its iframe (only an administrator
/// installs), or an <c>ONAPPINSTALL</c> event posted to the same address.
/// </summary>
[EnableRateLimiting(PortalsExtensions.PortalPostsPolicy)]
public sealed class InstallModel(Installer installer, IStringLocalizer<SharedResource> texts) : AppPageModel
{
    public IActionResult OnGet() => ShowMessage(200, "NotInstalled", FramePost.ClaimedOrigin(Request.Query));

    public async Task<IActionResult> OnPostAsync()
    {
        // No handler parameters: MVC would read the form before the size cap applies (PortalForm reads it).
        var ct = HttpContext.RequestAborted;
        var (form, post, refusal) = await ReadPortalPostAsync();
        if (form is not null && AppEvent.IsEvent(form))
        {
            var (eventStatus, body) = await EventEndpoints.AnswerAsync(form, installer, ct);
            return new JsonResult(body) { StatusCode = eventStatus };
        }

        if (post is null)
        {
            return refusal!;
        }

        var requestBase = new Uri($"{Request.Scheme}://{Request.Host}{Request.PathBase}/");
        var result = await installer.InstallAsync(post, requestBase, texts["AppTitle"], ct);
        FrameAncestor = result.Portal?.Origin ?? FrameAncestor;
        switch (result.Outcome)
        {
            case InstallOutcome.Installed:
                return Page();
            case InstallOutcome.AdminRequired:
                return ShowMessage(403, "AdminRequired");
            case InstallOutcome.Failed:
                var (errorStatus, errorKey) = Problems.For(result.Error!);
                return ShowMessage(errorStatus, errorKey);
            default:
                var (refusedStatus, refusedKey) = Problems.For(result.Failure ?? VerificationFailure.InvalidToken);
                return ShowMessage(refusedStatus, refusedKey);
        }
    }
}
