using System.Globalization;
using B24CallListApp.CallLists;
using Microsoft.AspNetCore.Mvc;

namespace B24CallListApp.Pages.Placement;

/// <summary>
/// "Add to call list" from a contact's or company's row menu (<c>CRM_CONTACT_LIST_MENU</c>,
/// <c>CRM_COMPANY_LIST_MENU</c>): the record goes into a list of its kind, or into a new one.
/// </summary>
public sealed class AddModel(WorkspaceServices workspace, CallListReads reads, CrmSearch crm, CallListSaver saver) : SessionPageModel(workspace)
{
    public PlacementPart? Part { get; private set; }

    public int? ListId { get; private set; }

    public static string Purpose(EntityKind kind, int entityId) => $"placement:{kind.Code()}:{entityId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>What the open page shows for a row-menu placement.</summary>
    public static async Task<PlacementPart> LoadAsync(Portals.Actor actor, CallListReads reads, CrmSearch crm, EntityKind kind, int entityId, Outcome? outcome, CancellationToken ct)
    {
        var entity = await crm.EntityAsync(actor, kind, entityId, ct);
        var kindLists = entity is null ? [] : await reads.ListsOfKindAsync(actor, kind, ct);
        return new PlacementPart(kind, entityId, entity, kindLists, outcome);
    }

    public Task<IActionResult> OnPostAsync() => ActAsync(async (kind, entity) =>
    {
        if (!int.TryParse(Request.Form["list"], NumberStyles.None, CultureInfo.InvariantCulture, out var listId) || listId <= 0)
        {
            Refuse(400, "ChooseAList");
            return;
        }

        var result = await saver.SaveAsync(Session.Actor, listId, new CallListChange([entity], [], Form: null), HttpContext.RequestAborted);
        Announce(result);
        ListId = result.Outcome == SaveOutcome.Saved ? listId : null;
    });

    public Task<IActionResult> OnPostCreateAsync() => ActAsync(async (kind, entity) =>
    {
        var result = await saver.CreateAsync(Session.Actor, kind, [entity], formId: null, HttpContext.RequestAborted);
        Announce(result);
        ListId = result.ListId;
    });

    async Task<IActionResult> ActAsync(Func<EntityKind, int, Task> act)
    {
        if (EntityKinds.Parse(Request.Form["type"]) is not { } kind || !int.TryParse(Request.Form["entity"], NumberStyles.None, CultureInfo.InvariantCulture, out var entity) || entity <= 0)
        {
            return ShowMessage(400, "InvalidInput");
        }

        if (!HasValidFormToken(Purpose(kind, entity)))
        {
            Refuse(400, "FormExpired");
        }
        else
        {
            await act(kind, entity);
        }

        Part = await LoadAsync(Session.Actor, reads, crm, kind, entity, Outcome, HttpContext.RequestAborted);
        return Page();
    }
}
