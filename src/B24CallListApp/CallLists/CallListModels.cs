using System.Globalization;

namespace B24CallListApp.CallLists;

/// <summary>What a call list calls: contacts (CRM type 3) or companies (type 4), the only two REST allows.</summary>
public enum EntityKind
{
    Contact = 3,
    Company = 4,
}

public static class EntityKinds
{
    /// <summary>The <c>ENTITY_TYPE</c> value Bitrix24 compares, uppercase.</summary>
    public static string Code(this EntityKind kind) => kind == EntityKind.Company ? "COMPANY" : "CONTACT";

    public static string ListMethod(this EntityKind kind) => kind == EntityKind.Company ? "crm.company.list" : "crm.contact.list";

    public static EntityKind? Parse(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        "CONTACT" or "3" => EntityKind.Contact,
        "COMPANY" or "4" => EntityKind.Company,
        _ => null,
    };
}

/// <summary>A call list as <c>crm.calllist.get</c>/<c>.list</c> describe it.</summary>
public sealed record CallListInfo(int Id, EntityKind Kind, long CreatedById, DateTime? Created, int? WebFormId);

/// <summary>One participant: the entity and its call status.</summary>
public sealed record Participant(int EntityId, string StatusId);

/// <summary>
/// A list as one read (or the save that just wrote it) knows it: the list, every participant, the
/// portal's call statuses and forms. A page shown right after a save is drawn from the save's own
/// snapshot instead of reading the list again.
/// </summary>
public sealed record ListSnapshot(CallListInfo List, IReadOnlyList<Participant> Participants, IReadOnlyList<CallStatus> Statuses, IReadOnlyList<CrmForm>? Forms);

/// <summary>A contact or a company as the picker and the participant table show it.</summary>
public sealed record EntityCard(int Id, EntityKind Kind, string Name, string? Phone, string? Email, string? Company)
{
    public string DisplayName => Name.Length > 0 ? Name : "#" + Id.ToString(CultureInfo.InvariantCulture);
}

public sealed record CallStatus(string StatusId, string Name);

public sealed record CrmForm(int Id, string Name, bool Active);

/// <summary>How many participants a list holds as the user reads it; <paramref name="AtLeast"/> when the list may go on past what was counted.</summary>
public sealed record ListSize(int Count, bool AtLeast);

public sealed record CallListSummary(CallListInfo List, string CreatorName, string? FormName, ListSize? Participants);

public sealed record CallListsPage(IReadOnlyList<CallListSummary> Lists, int Page, bool HasMore);

public sealed record ParticipantRow(EntityCard Entity, string StatusId, string StatusName);

/// <summary>One page of a call list as a user sees it.</summary>
/// <param name="Total">Every participant of the list (read with an account that sees them all, where one works).</param>
/// <param name="HiddenOnPage">Participants on this page the user's CRM rights do not show.</param>
/// <param name="Forms">The portal's forms, or null where the portal cannot list them (then an id is typed).</param>
/// <param name="ParticipantIds">Every participant's id, for marking what is already in the list.</param>
public sealed record CallListView(
    CallListInfo List,
    int Total,
    int Page,
    int PageCount,
    IReadOnlyList<ParticipantRow> Rows,
    int HiddenOnPage,
    IReadOnlyList<(CallStatus Status, int Count)> StatusCounts,
    IReadOnlyList<CrmForm>? Forms,
    string? StatusFilter,
    IReadOnlySet<int> ParticipantIds)
{
    public string? FormName => List.WebFormId is { } id ? Forms?.FirstOrDefault(f => f.Id == id)?.Name : null;
}

/// <summary>A page of the picker: what matches the search, and how many match in all.</summary>
public sealed record SearchPage(IReadOnlyList<EntityCard> Rows, int Total, int Page, int PageCount);

/// <summary>The form a user chose: an id, or none at all ("No form").</summary>
public sealed record FormChoice(int? FormId);

/// <summary>
/// What a user asked a save to do: add these, remove those, and set the form if they chose one
/// (null keeps the list's current form, whatever it is by then).
/// </summary>
public sealed record CallListChange(IReadOnlyCollection<int> Add, IReadOnlyCollection<int> Remove, FormChoice? Form);

public enum SaveOutcome
{
    Saved,
    NothingToSave,
    Refused,
    Failed,

    /// <summary>Bitrix24 did not say whether the write happened, and a fresh read could not tell either.</summary>
    Unknown,
}

/// <summary>
/// What came of a save: the outcome, the key of a sentence in Resources/SharedResource.resx and its
/// arguments, and what Bitrix24 silently left out (by name).
/// </summary>
public sealed record SaveResult(SaveOutcome Outcome, string TextKey, IReadOnlyList<object> Arguments, int HttpStatus = 200)
{
    public int Added { get; init; }
    public int Removed { get; init; }
    public IReadOnlyList<string> Dropped { get; init; } = [];
    public string? FormName { get; init; }
    public bool FormChanged { get; init; }
    public int? ListId { get; init; }

    /// <summary>The list as the save left it (when it saved or found nothing to save).</summary>
    public ListSnapshot? Snapshot { get; init; }

    public static SaveResult Refused(string textKey, params object[] arguments) => new(SaveOutcome.Refused, textKey, arguments, 400);
}

/// <summary>A search string no portal would want: too long to be a name, a phone or an e-mail.</summary>
public sealed class SearchTooLongException() : Exception("The search is longer than " + CrmSearch.MaxSearchLength + " characters.");

/// <summary>The list does not exist in this portal, or the user cannot see it.</summary>
public sealed class CallListNotFoundException(int listId) : Exception($"Call list {listId} was not found")
{
    public int ListId { get; } = listId;
}
