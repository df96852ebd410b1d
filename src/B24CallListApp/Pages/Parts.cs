using B24CallListApp.CallLists;

namespace B24CallListApp.Pages;

/// <summary>What a page announces after an action (<c>_Outcome</c>): nothing, a success or a refusal.</summary>
public sealed record OutcomePart(Outcome? Outcome);

/// <summary>The call lists table, shown on the open page and on <c>/lists</c>.</summary>
public sealed record CallListsPart(CallListsPage Lists, string UserName, string PortalDomain, Outcome? Outcome);

/// <summary>The picker: a search within a segment over one kind of record, with what is already in the list marked.</summary>
/// <param name="PageName">The page the picker's forms post to (<c>/Lists/Add</c> for a list's <paramref name="ListId"/>, or <c>/Lists/New</c>).</param>
/// <param name="Form">The search, the segment and the ids chosen so far (kept across pages and searches).</param>
/// <param name="Choices">What the segment's controls offer.</param>
/// <param name="CompanyTitle">The title of the company the segment names, where there are too many companies to offer in a list.</param>
public sealed record PickerPart(string PageName, int? ListId, EntityKind Kind, Lists.PickerForm Form, SearchPage Results, IReadOnlySet<int> InList, SegmentChoices Choices,
    string? CompanyTitle = null)
{
    public string? Query => Form.Text;

    public IReadOnlyCollection<int> Selected => Form.Selected;
}

/// <summary>"Add to call list" for the record a portal's row menu was opened on.</summary>
public sealed record PlacementPart(EntityKind Kind, int EntityId, EntityCard? Entity, IReadOnlyList<CallListInfo> Lists, Outcome? Outcome);

/// <summary>The form selector: the portal's forms and "No form", or an id to type where the portal cannot list them.</summary>
public sealed record FormPickerPart(IReadOnlyList<CrmForm>? Forms, int? Current, string Id = "crm-form");
