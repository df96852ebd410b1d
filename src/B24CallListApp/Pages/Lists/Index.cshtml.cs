using B24CallListApp.CallLists;
using Microsoft.AspNetCore.Mvc;

namespace B24CallListApp.Pages.Lists;

/// <summary><c>/lists</c>: the call lists the user can see, newest first, a page at a time.</summary>
public sealed class ListsModel(WorkspaceServices workspace, CallListReads reads) : SessionPageModel(workspace)
{
    public CallListsPage? Lists { get; private set; }

    /// <param name="pageNumber">Not "page": Razor Pages keeps that route value for the page's own name.</param>
    public async Task<IActionResult> OnPostAsync([FromQuery] int pageNumber = 1)
    {
        Lists = await reads.ListsAsync(Session.Actor, pageNumber, kind: null, HttpContext.RequestAborted);
        return Page();
    }
}
