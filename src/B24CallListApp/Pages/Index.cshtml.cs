using System.Globalization;
using B24CallListApp.Bitrix24;
using B24CallListApp.CallLists;
using B24CallListApp.Portals;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Pages;

/// <summary>
/// <c>POST /</c>: every open of the app in the portal's iframe, verified before anything is shown.
/// The app's page shows the call lists; a contact's or company's row menu shows "Add to call list".
/// </summary>
[EnableRateLimiting(PortalsExtensions.PortalPostsPolicy)]
public sealed class IndexModel(PortalSignIn signIn, PageSessions sessions, CallListService lists, IOptions<PortalPostOptions> posts) : WorkspacePageModel
{
    static readonly Dictionary<string, EntityKind> RowMenus = new(StringComparer.OrdinalIgnoreCase)
    {
        ["CRM_CONTACT_LIST_MENU"] = EntityKind.Contact,
        ["CRM_COMPANY_LIST_MENU"] = EntityKind.Company,
    };

    public CallListsPage? Lists { get; private set; }

    public PlacementPart? Placement { get; private set; }

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

        var user = result.User!;
        StartSession(new AppSession(sessions.Start(user.Portal.MemberId, user.Account.Key.UserId, post.Language, user.Name), user.Portal, user.Account, user.Admin));
        return await GuardAsync(async () =>
        {
            if (RowMenus.TryGetValue(post.Placement, out var kind)
                && post.PlacementOptions.TryGetValue("ID", out var idText)
                && int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var entityId) && entityId > 0)
            {
                Placement = await Pages.Placement.AddModel.LoadAsync(this, lists, kind, entityId, ct);
            }
            else
            {
                Lists = await lists.ListsAsync(Session!, 1, kind: null, ct);
            }

            return Page();
        });
    }
}
