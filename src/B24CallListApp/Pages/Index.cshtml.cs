using System.Text.Json;
using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Pages;

public sealed record CallListRow(string Id, string EntityTypeId, string Created, string WebFormId);

/// <summary><c>POST /</c>: every open of the app in the portal's iframe, verified before anything is shown.</summary>
[EnableRateLimiting(PortalsExtensions.PortalPostsPolicy)]
public sealed class IndexModel(PortalSignIn signIn, Bitrix24Client client, PortalFailures failures, PageSessions sessions, IOptions<PortalPostOptions> posts) : AppPageModel
{
    public SignedInUser? Viewer { get; private set; }

    public IReadOnlyList<CallListRow> Lists { get; private set; } = [];

    public string? SessionToken { get; private set; }

    public IActionResult OnGet() => ShowMessage(200, "NotInstalled", FramePost.ClaimedOrigin(Request.Query));

    public async Task<IActionResult> OnPostAsync()
    {
        // No handler parameters: MVC would read the form before the size cap applies (PortalForm reads it).
        var ct = HttpContext.RequestAborted;
        var claimed = FramePost.ClaimedOrigin(Request.Query);
        var (form, status) = await PortalForm.ReadAsync(Request, posts.Value.MaxBodyBytes, ct);
        if (form is null)
        {
            return ShowMessage(status, Problems.ForFormStatus(status), claimed);
        }

        var post = FramePost.Read(Request.Query, form, out var malformed);
        if (post is null)
        {
            return ShowMessage(400, "BadRequest", claimed);
        }

        var result = await signIn.SignInAsync(post, ct);
        FrameAncestor = result.Portal?.Origin ?? claimed;
        switch (result.Outcome)
        {
            case SignInOutcome.NotInstalled:
                return ShowMessage(404, "NotInstalled");
            case SignInOutcome.Uninstalled:
                return ShowMessage(404, "Uninstalled");
            case SignInOutcome.Failed:
                var (errorStatus, errorKey) = Problems.For(result.Error!);
                return ShowMessage(errorStatus, errorKey);
            case SignInOutcome.Refused:
                var (refusedStatus, refusedKey) = Problems.For(result.Failure ?? malformed ?? VerificationFailure.InvalidToken);
                return ShowMessage(refusedStatus, refusedKey);
        }

        Viewer = result.User!;
        try
        {
            var rows = await client.ReadAllAsync(Viewer.Account, "crm.calllist.list", null, Bitrix24Paging.UntilShortPage, ct);
            Lists = rows.Select(r => new CallListRow(Text(r, "ID"), Text(r, "ENTITY_TYPE_ID"), Text(r, "DATE_CREATE"), Text(r, "WEBFORM_ID"))).ToList();
        }
        catch (Bitrix24Exception e)
        {
            await failures.RecordAsync(Viewer.Account.Key, e, ct);
            var (errorStatus, errorKey) = Problems.For(e);
            return ShowMessage(errorStatus, errorKey);
        }

        SessionToken = sessions.Issue(sessions.Start(Viewer.Portal.MemberId, Viewer.Account.Key.UserId, post.Language));
        return Page();
    }

    static string Text(JsonElement element, string name) => Bitrix24OAuthClient.String(element, name) ?? "";
}
