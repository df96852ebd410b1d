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

    /// <summary>The page of participants shown (a link's query, or the page's own field); not "page", which Razor Pages keeps.</summary>
    [BindProperty(Name = "pageNumber")]
    public int? PageNumber { get; set; }

    /// <summary>The status the participants are filtered by; empty for all.</summary>
    [BindProperty(Name = "status")]
    public string? StatusFilter { get; set; }

    public Task<IActionResult> OnPostAsync(int id) => ShowAsync(id, []);

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
        View = await reads.ViewAsync(Session.Actor, id, PageNumber is > 0 and var page ? page : 1,
            string.IsNullOrEmpty(StatusFilter) ? null : StatusFilter, HttpContext.RequestAborted, known);
        return Page();
    }
}
