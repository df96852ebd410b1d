using B24CallListApp.CallLists;

namespace B24CallListApp.Pages;

/// <summary>The hidden fields of a workspace form; <paramref name="Purpose"/> names the change the form may make.</summary>
public sealed record SessionFields(WorkspacePageModel Page, string? Purpose = null);

/// <summary>The call lists table, shown on the open page and on <c>/lists</c>.</summary>
public sealed record CallListsPart(WorkspacePageModel Page, CallListsPage Lists, string UserName);

/// <summary>The picker: a search within a segment over one kind of record, with what is already in the list marked.</summary>
/// <param name="Action">Where the picker's forms post (<c>/lists/5/add</c> or <c>/lists/new</c>).</param>
/// <param name="Form">The search, the segment and the ids chosen so far (kept across pages and searches).</param>
/// <param name="Choices">What the segment's controls offer.</param>
public sealed record PickerPart(WorkspacePageModel Page, string Action, EntityKind Kind, Lists.PickerForm Form, SearchPage Results, IReadOnlySet<int> InList, SegmentChoices Choices)
{
    public string? Query => Form.Text;

    public IReadOnlyCollection<int> Selected => Form.Selected;
}

/// <summary>"Add to call list" for the record a portal's row menu was opened on.</summary>
public sealed record PlacementPart(WorkspacePageModel Page, EntityKind Kind, int EntityId, EntityCard? Entity, IReadOnlyList<CallListInfo> Lists);

/// <summary>The form selector: the portal's forms and "No form", or an id to type where the portal cannot list them.</summary>
public sealed record FormPickerPart(IReadOnlyList<CrmForm>? Forms, int? Current, string Id = "crm-form");
