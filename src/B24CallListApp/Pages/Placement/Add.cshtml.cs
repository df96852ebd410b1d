using System.ComponentModel.DataAnnotations;
using System.Globalization;
using B24CallListApp.CallLists;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

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

    /// <summary>The record's kind (<c>CONTACT</c> or <c>COMPANY</c>), from the form.</summary>
    [BindProperty(Name = "type")]
    public string? KindCode { get; set; }

    /// <summary>The record the row menu was opened on.</summary>
    [BindProperty(Name = "entity")]
    [Range(1, int.MaxValue)]
    public int? EntityId { get; set; }

    /// <summary>The list chosen to add the record to.</summary>
    [BindProperty(Name = "list")]
    [Range(1, int.MaxValue)]
    public int? TargetListId { get; set; }

    public Task<IActionResult> OnPostAsync() => ActAsync(async (kind, entity) =>
    {
        if (TargetListId is not { } listId || !ModelState.IsValid)
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
        if (EntityKinds.Parse(KindCode) is not { } kind || EntityId is not { } entity || ModelState.GetFieldValidationState("entity") == ModelValidationState.Invalid)
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
