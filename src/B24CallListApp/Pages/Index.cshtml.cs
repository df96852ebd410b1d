using System.Globalization;
using B24CallListApp.Bitrix24;
using B24CallListApp.CallLists;
using B24CallListApp.Portals;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace B24CallListApp.Pages;

/// <summary>
/// <c>POST /</c>: every open of the app in the portal's iframe, verified before anything is shown.
/// The app's page shows the call lists; a contact's or company's row menu shows "Add to call list".
/// </summary>
[EnableRateLimiting(PortalsExtensions.PortalPostsPolicy)]
public sealed class IndexModel(WorkspaceServices workspace, PortalSignIn signIn, CallListReads reads, CrmSearch crm) : WorkspacePageModel(workspace)
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
        var (_, post, refusal) = await ReadPortalPostAsync();
        if (post is null)
        {
            return refusal!;
        }

        var result = await signIn.SignInAsync(post, ct);
        FrameAncestor = result.Portal?.Origin ?? FrameAncestor;
        if (Problems.For(result) is var (status, textKey))
        {
            return ShowMessage(status, textKey);
        }

        var user = result.User!;
        StartSession(new AppSession(Sessions.Start(user.Portal.MemberId, user.Account.Key.UserId, post.Language, user.Name), user.Portal, user.Account, user.Admin));
        if (RowMenus.TryGetValue(post.Placement, out var kind)
            && post.PlacementOptions.TryGetValue("ID", out var idText)
            && int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var entityId) && entityId > 0)
        {
            Placement = await Pages.Placement.AddModel.LoadAsync(Session.Actor, reads, crm, kind, entityId, Outcome, ct);
        }
        else
        {
            Lists = await reads.ListsAsync(Session.Actor, 1, kind: null, ct);
        }

        return Page();
    }
}
