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

    /// <summary>Participants already marked for removal (hidden fields), waiting for "Save".</summary>
    [BindProperty(Name = "remove")]
    [PositiveIds]
    public List<int> Remove { get; set; } = [];

    /// <summary>Participants the user ticked on this page.</summary>
    [BindProperty(Name = "mark")]
    [PositiveIds]
    public List<int> Mark { get; set; } = [];

    [BindProperty]
    public FormChoiceInput FormChoice { get; set; } = new();

    /// <summary>"Remove selected" without script: the marked participants wait for "Save".</summary>
    public async Task<IActionResult> OnPostMarkAsync(int id)
    {
        if (!ModelState.IsValid)
        {
            Refuse(400, "InvalidInput");
            return await ShowAsync(id, []);
        }

        if (Mark.Count == 0)
        {
            Refuse(400, "ChooseToRemove");
        }

        return await ShowAsync(id, [.. Remove.Union(Mark)]);
    }

    public async Task<IActionResult> OnPostSaveAsync(int id)
    {
        if (!ModelState.IsValid)
        {
            Refuse(400, "InvalidInput");
            return await ShowAsync(id, []);
        }

        var remove = Remove.Distinct().ToList();
        if (!HasValidFormToken(Purpose(id)))
        {
            Refuse(400, "FormExpired");
            return await ShowAsync(id, remove);
        }

        var result = await saver.SaveAsync(Session.Actor, id, new CallListChange([], remove, FormChoice.Choice), HttpContext.RequestAborted);
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
}
