using System.Globalization;
using B24CallListApp.CallLists;
using Microsoft.AspNetCore.Mvc;

namespace B24CallListApp.Pages.Lists;

/// <summary>
/// <c>/lists/{id}/add</c>: the picker for a list's kind. Search as you type, page, choose many (kept
/// across pages), add the chosen ones, or add every match.
/// </summary>
public sealed class AddModel(WorkspaceServices workspace, CallListReads reads, CrmSearch crm, SegmentReferences segments, CallListSaver saver) : SessionPageModel(workspace)
{
    public int ListId { get; private set; }

    public PickerPart? Picker { get; private set; }

    [BindProperty]
    public PickerInput Input { get; set; } = new();

    /// <summary>What the picker posted; null when a value is not one it offers.</summary>
    PickerForm? Picked => ModelState.IsValid ? Input.Form : null;

    public static string Purpose(int listId) => "add:" + listId.ToString(CultureInfo.InvariantCulture);

    public Task<IActionResult> OnPostAsync(int id) => ShowAsync(id, Picked);

    /// <summary>The results alone, for the page's search as you type.</summary>
    public async Task<IActionResult> OnPostResultsAsync(int id)
    {
        await ShowAsync(id, Picked);
        return Partial("_SearchResults", Picker);
    }

    public async Task<IActionResult> OnPostAddSelectedAsync(int id)
    {
        var form = Picked;
        if (form is null || !HasValidFormToken(Purpose(id)))
        {
            Refuse(400, form is null ? "InvalidInput" : "FormExpired");
            return await ShowAsync(id, form);
        }

        if (form.Selected.Count == 0)
        {
            Refuse(400, "ChooseParticipants");
            return await ShowAsync(id, form);
        }

        var result = await saver.SaveAsync(Session.Actor, id, new CallListChange(form.Selected, [], Form: null), HttpContext.RequestAborted);
        Announce(result);
        return await ShowAsync(id, result.Outcome == SaveOutcome.Saved ? form with { Selected = [] } : form, result.Snapshot);
    }

    /// <summary>"Add all matching" without script (the page's script shows progress through <c>/api/lists/{id}/add-all</c>).</summary>
    public async Task<IActionResult> OnPostAddAllAsync(int id)
    {
        var form = Picked;
        if (form is null || !HasValidFormToken(Purpose(id)))
        {
            Refuse(400, form is null ? "InvalidInput" : "FormExpired");
            return await ShowAsync(id, form);
        }

        var result = await saver.AddMatchingAsync(Session.Actor, id, form.Query, HttpContext.RequestAborted);
        Announce(result);
        return await ShowAsync(id, form with { Selected = [] }, result.Snapshot);
    }

    async Task<IActionResult> ShowAsync(int id, PickerForm? form, ListSnapshot? known = null)
    {
        ListId = id;
        var (list, inList) = await reads.ParticipantsAsync(Session.Actor, id, HttpContext.RequestAborted, known);
        Picker = await PickerAsync(crm, segments, "/Lists/Add", id, list.Kind, form ?? PickerForm.Empty, inList);
        return Page();
    }
}
