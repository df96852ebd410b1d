using System.Globalization;
using B24CallListApp.CallLists;
using Microsoft.AspNetCore.Mvc;

namespace B24CallListApp.Pages.Lists;

/// <summary>
/// <c>/lists/{id}</c>: a call list's participants, a page at a time and by status; participants
/// marked for removal and the CRM form are saved together, and only by "Save".
/// </summary>
public sealed class ListModel(WorkspaceServices workspace, CallListReads reads, CallListSaver saver) : SessionPageModel(workspace)
{
    public CallListView? View { get; private set; }

    /// <summary>Participants the user marked for removal, saved with the next "Save".</summary>
    public IReadOnlyCollection<int> Pending { get; private set; } = [];

    public static string Purpose(int listId) => "list:" + listId.ToString(CultureInfo.InvariantCulture);

    public static string StatusChip(string statusId) => statusId switch
    {
        "SUCCESS" => "chip-success",
        "WRONG_NUMBER" or "STOP_CALLING" => "chip-alert",
        "IN_WORK" => "chip-accent",
        _ => "chip-neutral",
    };

    public async Task<IActionResult> OnPostAsync(int id, [FromQuery(Name = "pageNumber")] int? queryPage, [FromQuery(Name = "status")] string? queryStatus)
    {
        var (page, status) = (queryPage ?? FormInt("page") ?? 1, queryStatus ?? Form("status"));
        View = await reads.ViewAsync(Session.Actor, id, page, string.IsNullOrEmpty(status) ? null : status, HttpContext.RequestAborted);
        return Page();
    }

    /// <summary>"Remove selected" without script: the marked participants wait for "Save".</summary>
    public async Task<IActionResult> OnPostMarkAsync(int id)
    {
        if (Ids("remove") is not { } pending || Ids("mark") is not { } marked)
        {
            Refuse(400, "InvalidInput");
            return await ShowAsync(id, []);
        }

        if (marked.Count == 0)
        {
            Refuse(400, "ChooseToRemove");
        }

        return await ShowAsync(id, [.. pending.Union(marked)]);
    }

    public async Task<IActionResult> OnPostSaveAsync(int id)
    {
        var remove = Ids("remove");
        var form = FormChoiceOf();
        if (remove is null || form is null)
        {
            Refuse(400, "InvalidInput");
            return await ShowAsync(id, remove ?? []);
        }

        if (!HasValidFormToken(Purpose(id)))
        {
            Refuse(400, "FormExpired");
            return await ShowAsync(id, remove);
        }

        var result = await saver.SaveAsync(Session.Actor, id, new CallListChange([], remove, form.Value.Choice), HttpContext.RequestAborted);
        Announce(result);
        return await ShowAsync(id, result.Outcome is SaveOutcome.Saved or SaveOutcome.NothingToSave ? [] : remove, result.Snapshot);
    }

    async Task<IActionResult> ShowAsync(int id, IReadOnlyCollection<int> pending, ListSnapshot? known = null)
    {
        Pending = pending;
        var status = Form("status");
        View = await reads.ViewAsync(Session.Actor, id, FormInt("page") ?? 1, string.IsNullOrEmpty(status) ? null : status, HttpContext.RequestAborted, known);
        return Page();
    }

    string? Form(string name) => Request.HasFormContentType ? Request.Form[name].ToString() : null;

    int? FormInt(string name) => int.TryParse(Form(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>Ids from the form; null when any of them is not a positive whole number (a tampered form).</summary>
    List<int>? Ids(string name)
    {
        var ids = new List<int>();
        foreach (var value in Request.Form[name])
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            {
                return null;
            }

            ids.Add(id);
        }

        return ids.Distinct().ToList();
    }

    /// <summary>
    /// The form the user chose: a typed id, or a different entry of the select than the page showed
    /// ("No form" included). Untouched, the list keeps whatever form it has by the time of saving.
    /// </summary>
    (FormChoice? Choice, bool Valid)? FormChoiceOf()
    {
        var typed = Form("formId")?.Trim();
        if (!string.IsNullOrEmpty(typed))
        {
            return int.TryParse(typed, NumberStyles.None, CultureInfo.InvariantCulture, out var typedId) && typedId > 0 ? (new FormChoice(typedId), true) : null;
        }

        var chosen = Form("form");
        if (string.IsNullOrEmpty(chosen) || chosen == Form("formShown"))
        {
            return (null, true);
        }

        if (chosen == "none")
        {
            return (new FormChoice(null), true);
        }

        return int.TryParse(chosen, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? (new FormChoice(id), true) : null;
    }
}
