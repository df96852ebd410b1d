using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace B24CallListApp.CallLists;

/// <summary>Limits of the workspace, bound from <c>CallLists:*</c>.</summary>
public sealed class CallListOptions
{
    public const string Section = "CallLists";

    /// <summary>Most participants one list may hold after a save (Bitrix24's own UI stops at 500; we do not).</summary>
    public int MaxParticipants { get; set; } = 100_000;
}

/// <summary>
/// Call lists over Bitrix24's REST: lists, participants, the picker's search, forms, and saves that
/// lose nothing. <c>crm.calllist.update</c> replaces the whole participant set and clears the form
/// when <c>WEBFORM_ID</c> is left out, so every save is computed from a fresh read, with an account
/// that sees every participant, at the moment of saving: current + added − removed, with the form the
/// user chose or else the current one. Saves to one list take turns. No page spells a
/// <c>crm.calllist.*</c> method or picks a paging mode: they all come here.
/// </summary>
public sealed partial class CallListService(Bitrix24Client client, PortalStore store, PortalFailures failures, Data.DbLeases leases, IMemoryCache cache,
    IOptions<CallListOptions> options, ILogger<CallListService> logger)
{
    public const int PageSize = 50;
    public const int MaxSearchLength = 100;

    static readonly string[] ContactFields = ["ID", "NAME", "SECOND_NAME", "LAST_NAME", "COMPANY_ID", "PHONE", "EMAIL"];
    static readonly string[] CompanyFields = ["ID", "TITLE", "PHONE", "EMAIL"];

    readonly KeyedLocks<(string MemberId, int ListId)> _saves = new();

    // ---- Reading

    /// <summary>A page of the lists the user can see, newest first, with creators, forms and sizes.</summary>
    public async Task<CallListsPage> ListsAsync(AppSession session, int page, EntityKind? kind, CancellationToken ct)
    {
        page = Math.Max(1, page);
        var filter = new JsonObject();
        if (kind is { } k)
        {
            filter["ENTITY_TYPE_ID"] = (int)k;
        }

        var answers = await client.BatchAsync(session.Account,
        [
            new BatchCommand("crm.calllist.list", new JsonObject { ["ORDER"] = new JsonObject { ["ID"] = "DESC" }, ["FILTER"] = filter, ["start"] = (page - 1) * PageSize }),
            FormsCommand(),
        ], ct: ct);
        if (answers[0].Error is { } error)
        {
            throw error;
        }

        var lists = Rows(answers[0].Result).Select(ParseList).OfType<CallListInfo>().ToList();
        var forms = ParseForms(answers[1]);
        var (creators, counts) = await CreatorsAndCountsAsync(session, lists.Select(l => l.CreatedById).Distinct().ToList(), lists.Select(l => l.Id).ToList(), ct);
        return new CallListsPage(
            lists.Select(l => new CallListSummary(l, creators.GetValueOrDefault(l.CreatedById) ?? "#" + l.CreatedById.ToString(CultureInfo.InvariantCulture),
                l.WebFormId is { } f ? forms?.FirstOrDefault(x => x.Id == f)?.Name : null, counts.GetValueOrDefault(l.Id))).ToList(),
            page,
            lists.Count == PageSize);
    }

    /// <summary>One page of a list's participants as the user's own token reads them, with its statuses, forms and size.</summary>
    /// <param name="known">The list as a save just left it, as this user reads it: drawn from, not read again.</param>
    public async Task<CallListView> ViewAsync(AppSession session, int listId, int page, string? statusFilter, CancellationToken ct, ListSnapshot? known = null)
    {
        var (list, participants, statuses, forms) = known ?? await ReadOwnAsync(session, listId, ct);
        var filtered = statusFilter is null ? participants : participants.Where(p => p.StatusId == statusFilter).ToList();
        var pageCount = Math.Max(1, (filtered.Count + PageSize - 1) / PageSize);
        page = Math.Clamp(page, 1, pageCount);
        var onPage = filtered.Skip((page - 1) * PageSize).Take(PageSize).ToList();

        // Names with the user's own rights: a record that became unreadable since the read stays hidden, and is counted.
        var cards = await CardsAsync(session.Account, list.Kind, onPage.Select(p => p.EntityId).ToList(), ct);
        var names = statuses.ToDictionary(s => s.StatusId, s => s.Name);
        var rows = onPage.Where(p => cards.ContainsKey(p.EntityId))
            .Select(p => new ParticipantRow(cards[p.EntityId], p.StatusId, names.GetValueOrDefault(p.StatusId) ?? p.StatusId)).ToList();
        var statusCounts = statuses.Select(s => (s, participants.Count(p => p.StatusId == s.StatusId)))
            .Concat(participants.Select(p => p.StatusId).Distinct().Where(id => !names.ContainsKey(id)).Select(id => (new CallStatus(id, id), participants.Count(p => p.StatusId == id))))
            .ToList();
        return new CallListView(list, participants.Count, page, pageCount, rows, onPage.Count - rows.Count, statusCounts, forms, statusFilter,
            participants.Select(p => p.EntityId).ToHashSet());
    }

    /// <summary>
    /// The list and the ids of the participants the user reads: what the picker marks as already in it.
    /// Searching as one types asks for this on every keystroke, so it is kept briefly per list and user,
    /// and dropped by every save through the app; a save never uses it, it always reads fresh.
    /// </summary>
    public async Task<(CallListInfo List, IReadOnlySet<int> Participants)> ParticipantsAsync(AppSession session, int listId, CancellationToken ct, ListSnapshot? known = null)
    {
        if (known is not null)
        {
            return (known.List, known.Participants.Select(p => p.EntityId).ToHashSet());
        }

        var version = _listVersions.GetValueOrDefault((session.Portal.MemberId, listId));
        var key = (nameof(ParticipantsAsync), session.Portal.MemberId, listId, session.Account.Key.UserId, version);
        if (cache.TryGetValue(key, out (CallListInfo, IReadOnlySet<int>) cached))
        {
            return cached;
        }

        var (list, participants, _, _) = await ReadOwnAsync(session, listId, ct);
        var entry = (list, (IReadOnlySet<int>)participants.Select(p => p.EntityId).ToHashSet());
        cache.Set(key, entry, ParticipantIdsLifetime);
        return entry;
    }

    /// <summary>How long the picker's marks may lag behind a change made outside the app.</summary>
    static readonly TimeSpan ParticipantIdsLifetime = TimeSpan.FromSeconds(20);

    /// <summary>Each list's save count in this instance: a save moves it on, so every cached read of the list is passed over.</summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<(string MemberId, int ListId), int> _listVersions = new();

    void Changed(string memberId, int listId) => _listVersions.AddOrUpdate((memberId, listId), 1, (_, v) => v + 1);

    /// <summary>The lists of one kind the user can see, for the placement's "Add to call list".</summary>
    public async Task<IReadOnlyList<CallListInfo>> ListsOfKindAsync(AppSession session, EntityKind kind, CancellationToken ct)
    {
        var rows = await client.ReadAllAsync(session.Account, "crm.calllist.list",
            new JsonObject { ["ORDER"] = new JsonObject { ["ID"] = "DESC" }, ["FILTER"] = new JsonObject { ["ENTITY_TYPE_ID"] = (int)kind } }, Bitrix24Paging.UntilShortPage, ct);
        return rows.Select(ParseList).OfType<CallListInfo>().Where(l => l.Kind == kind).ToList();
    }

    /// <summary>One contact or company as the user may read it; null when it does not exist for them.</summary>
    public async Task<EntityCard?> EntityAsync(AppSession session, EntityKind kind, int id, CancellationToken ct) =>
        (await CardsAsync(session.Account, kind, [id], ct)).GetValueOrDefault(id);

    public async Task<IReadOnlyList<CrmForm>?> FormsAsync(AppSession session, CancellationToken ct) =>
        ParseForms((await client.BatchAsync(session.Account, [FormsCommand()], ct: ct))[0]);

    // ---- The picker

    /// <summary>
    /// A page of contacts or companies matching the search: by name (first or last name, or a
    /// company's title), or by phone or e-mail through <c>crm.duplicate.findbycomm</c>.
    /// </summary>
    public async Task<SearchPage> SearchAsync(AppSession session, EntityKind kind, string? query, int page, CancellationToken ct)
    {
        var search = Search.Parse(query);
        page = Math.Max(1, page);
        if (search.Mode == SearchMode.All)
        {
            var answer = await client.CallAsync(session.Account, kind.ListMethod(), new JsonObject
            {
                ["select"] = Fields(kind),
                ["order"] = NameOrder(kind),
                ["start"] = (page - 1) * PageSize,
            }, ct);
            var cards = await ToCardsAsync(session.Account, kind, Rows(answer.Result), ct);
            var total = answer.Total ?? cards.Count;
            return new SearchPage(cards, total, page, Math.Max(1, (total + PageSize - 1) / PageSize));
        }

        var ids = await MatchingIdsAsync(session, kind, query, ct);
        var pageCount = Math.Max(1, (ids.Count + PageSize - 1) / PageSize);
        page = Math.Min(page, pageCount);
        var pageIds = ids.Skip((page - 1) * PageSize).Take(PageSize).ToList();
        var found = await CardsAsync(session.Account, kind, pageIds, ct);
        return new SearchPage(pageIds.Where(found.ContainsKey).Select(id => found[id]).ToList(), ids.Count, page, pageCount);
    }

    /// <summary>Every id matching the search, in the order the picker shows them ("Add all matching").</summary>
    public async Task<IReadOnlyList<int>> MatchingIdsAsync(AppSession session, EntityKind kind, string? query, CancellationToken ct)
    {
        var search = Search.Parse(query);
        switch (search.Mode)
        {
            case SearchMode.Phone or SearchMode.Email:
                var answer = await client.CallAsync(session.Account, "crm.duplicate.findbycomm", new JsonObject
                {
                    ["type"] = search.Mode == SearchMode.Phone ? "PHONE" : "EMAIL",
                    ["values"] = new JsonArray(search.Text),
                    ["entity_type"] = kind.Code(),
                }, ct);
                var found = answer.Result.ValueKind == JsonValueKind.Object && answer.Result.TryGetProperty(kind.Code(), out var list) && list.ValueKind == JsonValueKind.Array
                    ? list.EnumerateArray().Select(e => int.TryParse(e.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : 0).Where(id => id > 0).Distinct().ToList()
                    : [];
                // findbycomm ignores rights: keep what the user may read.
                var readable = await CardsAsync(session.Account, kind, found, ct, companyTitles: false);
                return found.Where(readable.ContainsKey).ToList();
            case SearchMode.Name:
                // First and last names are two queries (no OR in crm.contact.list): their first pages share a batch.
                var filters = kind == EntityKind.Company
                    ? [new JsonObject { ["%TITLE"] = search.Text }]
                    : NameFilters(search.Text);
                var queries = filters.Select(f => new JsonObject { ["select"] = new JsonArray("ID"), ["filter"] = f, ["order"] = NameOrder(kind) }).ToList();
                var ids = new List<int>();
                var firstPages = await client.BatchAsync(session.Account, queries.Select(q => new BatchCommand(kind.ListMethod(), q)).ToList(), ct: ct);
                for (var i = 0; i < queries.Count; i++)
                {
                    var rows = await client.ReadRestAsync(session.Account, kind.ListMethod(), queries[i], firstPages[i], ct: ct);
                    ids.AddRange(rows.Select(r => IntOf(r, "ID")).OfType<int>());
                }

                return ids.Distinct().ToList();
            default:
                var all = await client.ReadAllAsync(session.Account, kind.ListMethod(),
                    new JsonObject { ["select"] = new JsonArray("ID"), ["order"] = NameOrder(kind) }, Bitrix24Paging.TotalAndNext, ct);
                return all.Select(r => IntOf(r, "ID")).OfType<int>().Distinct().ToList();
        }
    }

    // ---- Saving

    /// <summary>
    /// Saves a change to a list so that nothing is lost: a fresh read (with an account that sees
    /// every participant), the user's additions and removals applied to it, the form the user chose or
    /// else the current one; refused, and nothing sent, if it would drop participants the user cannot
    /// see, empty the list or add records of another kind. Saves to one list take turns.
    /// </summary>
    public Task<SaveResult> SaveAsync(AppSession session, int listId, CallListChange change, CancellationToken ct) =>
        SaveCoreAsync(session, listId, _ => Task.FromResult((change, FromSearch: false)), ct);

    /// <summary>
    /// "Add all matching": every record the user's search finds goes into the list. The search runs
    /// with the user's own rights on the list's own kind, so what it finds exists, is of that kind and
    /// is readable by the user: no further check is needed, and the save costs only the reads batch requires.
    /// </summary>
    /// <param name="found">Told how many records matched, before they are saved (for the page's progress).</param>
    public Task<SaveResult> AddMatchingAsync(AppSession session, int listId, string? query, CancellationToken ct, Func<int, Task>? found = null)
    {
        Search.Parse(query);
        return SaveCoreAsync(session, listId, async list =>
        {
            var matching = await MatchingIdsAsync(session, list.Kind, query, ct);
            if (found is not null)
            {
                await found(matching.Count);
            }

            return (new CallListChange(matching, [], Form: null), FromSearch: true);
        }, ct);
    }

    async Task<SaveResult> SaveCoreAsync(AppSession session, int listId, Func<CallListInfo, Task<(CallListChange Change, bool FromSearch)>> plan, CancellationToken ct)
    {
        // Saves to one list take turns within this instance, and across instances through a lease in the database.
        using var turn = await _saves.EnterAsync((session.Portal.MemberId, listId), ct);
        Data.DbLease lease;
        try
        {
            lease = await leases.AcquireAsync($"calllist:{session.Portal.MemberId}:{listId.ToString(CultureInfo.InvariantCulture)}", ct);
        }
        catch (System.Data.Common.DbException e)
        {
            logger.LogWarning(e, "Could not take the save lease of call list {ListId} in portal {MemberId}", listId, session.Portal.MemberId);
            return new SaveResult(SaveOutcome.Failed, "NotSavedTryAgain", [], 503);
        }

        await using (lease)
        {
            return await SaveLeasedAsync(session, listId, plan, lease, ct);
        }
    }

    async Task<SaveResult> SaveLeasedAsync(AppSession session, int listId, Func<CallListInfo, Task<(CallListChange Change, bool FromSearch)>> plan, Data.DbLease lease, CancellationToken ct)
    {
        SaveRead read;
        try
        {
            read = await ReadForSaveAsync(session, listId, ct);
        }
        catch (AdminNeededException)
        {
            return SaveResult.Refused("AdminNeeded") with { HttpStatus = 409 };
        }
        catch (IncompleteReadException)
        {
            logger.LogWarning("Call list {ListId} in portal {MemberId} was read with a gap; the save was refused", listId, session.Portal.MemberId);
            return SaveResult.Refused("ReadIncomplete") with { HttpStatus = 409 };
        }

        var (list, own, statuses, forms) = read.Own;
        var current = read.All;
        var (change, fromSearch) = await plan(list);
        var add = change.Add.Distinct().ToList();
        if (add.Count + change.Remove.Count > options.Value.MaxParticipants)
        {
            return SaveResult.Refused("TooManyParticipants", options.Value.MaxParticipants);
        }

        var currentIds = current.Select(p => p.EntityId).ToHashSet();
        var toAdd = add.Where(id => !currentIds.Contains(id)).ToList();
        var toRemove = change.Remove.Distinct().Where(currentIds.Contains).ToList();

        // What the user chose is checked with their own rights, in one read: a record they cannot read is
        // refused (counted, never named: its name would come from another account's read), and so is
        // removing a participant hidden from them. Records found by their own search need no check.
        var check = (fromSearch ? [] : toAdd).Concat(read.UserIsAdmin ? [] : toRemove).ToList();
        var readable = await CardsAsync(session.Account, list.Kind, check, ct, companyTitles: false);
        var unreadable = fromSearch ? 0 : toAdd.Count(id => !readable.ContainsKey(id));
        if (unreadable > 0)
        {
            return read.UserIsAdmin
                ? SaveResult.Refused(list.Kind == EntityKind.Company ? "NotCompanies" : "NotContacts", unreadable)
                : SaveResult.Refused("CannotAddUnreadable", unreadable);
        }

        if (!read.UserIsAdmin && toRemove.Any(id => !readable.ContainsKey(id)))
        {
            return SaveResult.Refused("CannotRemoveHidden");
        }

        var removeSet = toRemove.ToHashSet();
        var next = current.Select(p => p.EntityId).Where(id => !removeSet.Contains(id)).Concat(toAdd).ToList();
        if (next.Count == 0)
        {
            return SaveResult.Refused("WouldEmpty");
        }

        if (next.Count > options.Value.MaxParticipants)
        {
            return SaveResult.Refused("TooManyParticipants", options.Value.MaxParticipants);
        }

        var formId = change.Form is { } chosen ? chosen.FormId : list.WebFormId;
        if (formId is { } wanted && forms is not null && forms.All(f => f.Id != wanted))
        {
            return SaveResult.Refused("WrongForm", wanted);
        }

        var formChanged = formId != list.WebFormId;
        if (toAdd.Count == 0 && toRemove.Count == 0 && !formChanged)
        {
            return new SaveResult(SaveOutcome.NothingToSave, "NothingToSave", []) { ListId = listId, Snapshot = read.Own };
        }

        var parameters = new JsonObject
        {
            ["LIST_ID"] = listId,
            ["ENTITY_TYPE"] = list.Kind.Code(),
            ["ENTITIES"] = new JsonArray(next.Select(id => (JsonNode)id).ToArray()),
        };
        if (formId is { } form)
        {
            // Left out, WEBFORM_ID clears the form: it is sent every time, except when the user chose "No form".
            parameters["WEBFORM_ID"] = form;
        }

        var formName = formId is { } named ? forms?.FirstOrDefault(f => f.Id == named)?.Name ?? "#" + named.ToString(CultureInfo.InvariantCulture) : null;
        try
        {
            // The lease is confirmed ours for a whole term, and the update must start within a third of it: no
            // other instance can have read and replaced the list in between. Sent as the user, with their
            // rights; once sent, the write is not abandoned with their request.
            await lease.ConfirmAsync(ct);
            Changed(session.Portal.MemberId, listId);
            await client.CallAsync(session.Account, "crm.calllist.update", parameters, repeatable: true, startWithin: Data.DbLeases.Term / 3, CancellationToken.None);
        }
        catch (Exception e) when (e is Data.LeaseLostException or System.Data.Common.DbException)
        {
            logger.LogWarning("The save lease of call list {ListId} in portal {MemberId} was lost before the update; nothing was sent", listId, session.Portal.MemberId);
            return new SaveResult(SaveOutcome.Failed, "NotSavedTryAgain", [], 503) { ListId = listId };
        }
        catch (Bitrix24ApiException e) when (e is not Bitrix24AuthException and not Bitrix24RateLimitException and not Bitrix24OperationTimeLimitException && (e.HttpStatus ?? 500) < 500)
        {
            return Refusal(e, formId);
        }
        catch (Bitrix24Exception e) when (e is Bitrix24TimeoutException or Bitrix24ConnectionException or Bitrix24UnexpectedResponseException or Bitrix24NotSentException or (Bitrix24ApiException and not Bitrix24AuthException))
        {
            // The write may or may not have happened (an earlier attempt may have): a fresh read says which.
            logger.LogWarning("Saving call list {ListId} in portal {MemberId} ended without an answer ({Code}); reading it back", listId, session.Portal.MemberId, e.Code);
            return await OutcomeOfUnansweredSaveAsync(session, listId, current, next, formId, e);
        }

        // The list as the user now reads it: what they read, less what they removed, and what they added
        // (readable to them); kept participants keep their status, new ones start "in work", as Bitrix24 does.
        var statusOf = own.ToDictionary(p => p.EntityId, p => p.StatusId);
        var seen = own.Select(p => p.EntityId).Where(id => !removeSet.Contains(id)).Concat(toAdd);
        var snapshot = new ListSnapshot(list with { WebFormId = formId }, seen.Select(id => new Participant(id, statusOf.GetValueOrDefault(id) ?? "IN_WORK")).ToList(), statuses, forms);
        logger.LogInformation("Saved call list {ListId} in portal {MemberId}: {Added} added, {Removed} removed, form {Form}", listId, session.Portal.MemberId, toAdd.Count, toRemove.Count, formId);
        return new SaveResult(SaveOutcome.Saved, "Saved", [toAdd.Count, toRemove.Count])
        {
            Added = toAdd.Count,
            Removed = toRemove.Count,
            FormChanged = formChanged,
            FormName = formName,
            ListId = listId,
            Snapshot = snapshot,
        };
    }

    /// <summary>Whether an update whose answer was lost happened, read back as the save read the list.</summary>
    async Task<SaveResult> OutcomeOfUnansweredSaveAsync(AppSession session, int listId, IReadOnlyList<Participant> before, List<int> intended, int? formId, Bitrix24Exception error)
    {
        try
        {
            var after = await ReadForSaveAsync(session, listId, CancellationToken.None);
            var afterIds = after.All.Select(p => p.EntityId).ToHashSet();
            if (afterIds.SetEquals(intended) && after.Own.List.WebFormId == formId)
            {
                return new SaveResult(SaveOutcome.Saved, "Saved", [intended.Count(id => !before.Any(p => p.EntityId == id)), before.Count(p => !intended.Contains(p.EntityId))]) { ListId = listId };
            }

            if (afterIds.SetEquals(before.Select(p => p.EntityId)))
            {
                var (status, key) = error is Bitrix24ApiException { HttpStatus: 503 } ? (503, "PortalBusy") : (503, "NotSavedTryAgain");
                return new SaveResult(SaveOutcome.Failed, key, [], status) { ListId = listId };
            }
        }
        catch (Exception e) when (e is Bitrix24Exception or AdminNeededException or IncompleteReadException or CallListNotFoundException)
        {
            logger.LogWarning("Could not read call list {ListId} back after an unanswered save: {Error}", listId, e.GetType().Name);
        }

        return new SaveResult(SaveOutcome.Unknown, "SaveUnknown", [], 503) { ListId = listId };
    }

    SaveResult Refusal(Bitrix24ApiException e, int? formId) => e.Code switch
    {
        "ENTITIES_ERROR" or "ENTITY_TYPE_ERROR" or "ENTITY_ERROR" => SaveResult.Refused("NotContacts", 0),
        "LIST_ID_ERROR" => SaveResult.Refused("ListNotFound") with { HttpStatus = 404 },
        "WEBFORM_ERROR" => SaveResult.Refused("WrongForm", formId ?? 0),
        "ACCESS_ERROR" or "ACCESS_DENIED" or "insufficient_scope" or "user_access_error" => SaveResult.Refused("AccessDenied") with { HttpStatus = 403 },
        _ => SaveResult.Refused("PortalRefused", e.Code ?? "") with { HttpStatus = 502 },
    };

    /// <summary>
    /// Creates a list (<c>crm.calllist.add</c>, never repeated blindly). When Bitrix24 gives no answer,
    /// the user's newest lists are read to tell whether it was created, instead of creating it twice.
    /// </summary>
    public async Task<SaveResult> CreateAsync(AppSession session, EntityKind kind, IReadOnlyCollection<int> entityIds, int? formId, CancellationToken ct)
    {
        var ids = entityIds.Distinct().ToList();
        if (ids.Count == 0)
        {
            return SaveResult.Refused("ChooseParticipants");
        }

        if (ids.Count > options.Value.MaxParticipants)
        {
            return SaveResult.Refused("TooManyParticipants", options.Value.MaxParticipants);
        }

        // Read with the user's own rights: what they cannot read is counted, never named.
        var cards = await CardsAsync(session.Account, kind, ids, ct);
        var strangers = ids.Count(id => !cards.ContainsKey(id));
        if (strangers > 0)
        {
            return session.Admin
                ? SaveResult.Refused(kind == EntityKind.Company ? "NotCompanies" : "NotContacts", strangers)
                : SaveResult.Refused("CannotAddUnreadable", strangers);
        }

        var forms = await FormsAsync(session, ct);
        if (formId is { } wanted && forms is not null && forms.All(f => f.Id != wanted))
        {
            return SaveResult.Refused("WrongForm", wanted);
        }

        var newest = await NewestListIdAsync(session, ct);
        var parameters = new JsonObject { ["ENTITY_TYPE"] = kind.Code(), ["ENTITIES"] = new JsonArray(ids.Select(id => (JsonNode)id).ToArray()) };
        if (formId is { } form)
        {
            parameters["WEBFORM_ID"] = form;
        }

        int listId;
        try
        {
            var answer = await client.CallAsync(session.Account, "crm.calllist.add", parameters, repeatable: false, CancellationToken.None);
            listId = int.Parse(answer.Result.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture);
        }
        catch (Bitrix24ApiException e) when (e is not Bitrix24AuthException and not Bitrix24RateLimitException and not Bitrix24OperationTimeLimitException && (e.HttpStatus ?? 500) < 500)
        {
            return Refusal(e, formId);
        }
        catch (Bitrix24Exception e) when (e is Bitrix24TimeoutException or Bitrix24ConnectionException or Bitrix24UnexpectedResponseException or Bitrix24ApiException)
        {
            logger.LogWarning("Creating a call list in portal {MemberId} ended without an answer ({Code}); looking for it", session.Portal.MemberId, e.Code);
            var created = await FindCreatedAsync(session, kind, newest, CancellationToken.None);
            if (created is null)
            {
                return new SaveResult(SaveOutcome.Unknown, "CreateUnknown", [], 503);
            }

            listId = created.Value;
        }

        var items = await client.ReadAllAsync(session.Account, "crm.calllist.items.get", new JsonObject { ["LIST_ID"] = listId }, Bitrix24Paging.UntilAccessError, CancellationToken.None);
        var inList = items.Select(r => IntOf(r, "ID")).ToHashSet();
        var dropped = ids.Where(id => !inList.Contains(id)).Select(id => cards[id].DisplayName).ToList();
        logger.LogInformation("Created call list {ListId} in portal {MemberId} with {Count} participants", listId, session.Portal.MemberId, ids.Count - dropped.Count);
        return new SaveResult(SaveOutcome.Saved, "Created", [listId, ids.Count - dropped.Count])
        {
            Added = ids.Count - dropped.Count,
            Dropped = dropped,
            ListId = listId,
            FormName = formId is { } f ? forms?.FirstOrDefault(x => x.Id == f)?.Name : null,
        };
    }

    async Task<int> NewestListIdAsync(AppSession session, CancellationToken ct)
    {
        var answer = await client.CallAsync(session.Account, "crm.calllist.list", new JsonObject { ["ORDER"] = new JsonObject { ["ID"] = "DESC" }, ["SELECT"] = new JsonArray("ID") }, ct);
        return Rows(answer.Result).Select(r => IntOf(r, "ID") ?? 0).DefaultIfEmpty(0).Max();
    }

    async Task<int?> FindCreatedAsync(AppSession session, EntityKind kind, int newestBefore, CancellationToken ct)
    {
        try
        {
            var answer = await client.CallAsync(session.Account, "crm.calllist.list", new JsonObject
            {
                ["ORDER"] = new JsonObject { ["ID"] = "DESC" },
                ["FILTER"] = new JsonObject { [">ID"] = newestBefore, ["CREATED_BY_ID"] = session.Session.UserId, ["ENTITY_TYPE_ID"] = (int)kind },
            }, ct);
            var created = Rows(answer.Result).Select(ParseList).OfType<CallListInfo>().ToList();
            return created.Count == 1 ? created[0].Id : null;
        }
        catch (Bitrix24Exception e)
        {
            logger.LogWarning("Could not look for the call list whose creation went unanswered: {Code}", e.Code);
            return null;
        }
    }

    // ---- Cards

    /// <summary>Contacts or companies by id, 50 to a command, as the account may read them, with company titles for contacts.</summary>
    /// <param name="companyTitles">False where only existence, visibility or names matter: it saves the request for the titles.</param>
    async Task<Dictionary<int, EntityCard>> CardsAsync(Bitrix24Account account, EntityKind kind, IReadOnlyList<int> ids, CancellationToken ct, bool companyTitles = true)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var commands = ids.Distinct().Chunk(PageSize).Select(chunk => new BatchCommand(kind.ListMethod(), new JsonObject
        {
            ["filter"] = new JsonObject { ["@ID"] = new JsonArray(chunk.Select(id => (JsonNode)id).ToArray()) },
            ["select"] = Fields(kind),
        })).ToList();
        var rows = new List<JsonElement>();
        foreach (var result in await client.BatchAsync(account, commands, ct: ct))
        {
            if (result.Error is { } error)
            {
                throw error;
            }

            rows.AddRange(Rows(result.Result));
        }

        return (await ToCardsAsync(account, kind, rows, ct, companyTitles)).ToDictionary(c => c.Id);
    }

    async Task<List<EntityCard>> ToCardsAsync(Bitrix24Account account, EntityKind kind, IReadOnlyList<JsonElement> rows, CancellationToken ct, bool companyTitles = true)
    {
        var companies = new Dictionary<int, string>();
        if (kind == EntityKind.Contact && companyTitles)
        {
            var companyIds = rows.Select(r => IntOf(r, "COMPANY_ID")).OfType<int>().Where(id => id > 0).Distinct().ToList();
            if (companyIds.Count > 0)
            {
                var commands = companyIds.Chunk(PageSize).Select(chunk => new BatchCommand("crm.company.list", new JsonObject
                {
                    ["filter"] = new JsonObject { ["@ID"] = new JsonArray(chunk.Select(id => (JsonNode)id).ToArray()) },
                    ["select"] = new JsonArray("ID", "TITLE"),
                })).ToList();
                foreach (var result in await client.BatchAsync(account, commands, ct: ct))
                {
                    // A company the user may not read is simply not named.
                    foreach (var company in Rows(result.Result))
                    {
                        if (IntOf(company, "ID") is { } id)
                        {
                            companies[id] = Text(company, "TITLE");
                        }
                    }
                }
            }
        }

        return rows.Select(r => IntOf(r, "ID") is { } id
            ? new EntityCard(id, kind,
                kind == EntityKind.Company ? Text(r, "TITLE") : string.Join(' ', new[] { Text(r, "NAME"), Text(r, "SECOND_NAME"), Text(r, "LAST_NAME") }.Where(s => s.Length > 0)),
                FirstValue(r, "PHONE"), FirstValue(r, "EMAIL"),
                IntOf(r, "COMPANY_ID") is { } company ? companies.GetValueOrDefault(company) : null)
            : null).OfType<EntityCard>().ToList();
    }

    // ---- Small pieces

    static BatchCommand FormsCommand() => new("crm.webform.list", new JsonObject { ["GET_INACTIVE"] = "Y" });

    /// <summary>The portal's forms; null when it cannot list them (the method is undocumented and may be missing).</summary>
    static IReadOnlyList<CrmForm>? ParseForms(BatchResult result) =>
        result.Error is not null || result.Result is not { ValueKind: JsonValueKind.Array } rows
            ? null
            : rows.EnumerateArray().Where(r => IntOf(r, "ID") is not null)
                .Select(r => new CrmForm(IntOf(r, "ID")!.Value, Text(r, "NAME"), Text(r, "ACTIVE") != "N")).ToList();

    static CallListInfo? ParseList(JsonElement row)
    {
        if (IntOf(row, "ID") is not { } id)
        {
            return null;
        }

        var kind = EntityKinds.Parse(Text(row, "ENTITY_TYPE_ID")) ?? EntityKinds.Parse(Text(row, "ENTITY_TYPE")) ?? EntityKind.Contact;
        var created = DateTime.TryParseExact(Text(row, "DATE_CREATE"), ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:sszzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : (DateTime?)null;
        return new CallListInfo(id, kind, IntOf(row, "CREATED_BY_ID") ?? 0, created, IntOf(row, "WEBFORM_ID") is { } form && form > 0 ? form : null);
    }

    /// <summary>
    /// A contact's name is found in its last or its first name; "Anna Ivanova" (or "Ivanova Anna") is
    /// found in both at once. Each is a query of its own: crm.contact.list has no OR.
    /// </summary>
    static List<JsonObject> NameFilters(string text)
    {
        var filters = new List<JsonObject> { new() { ["%LAST_NAME"] = text }, new() { ["%NAME"] = text } };
        var words = text.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 2)
        {
            filters.Add(new JsonObject { ["%NAME"] = words[0], ["%LAST_NAME"] = words[1] });
            filters.Add(new JsonObject { ["%LAST_NAME"] = words[0], ["%NAME"] = words[1] });
        }

        return filters;
    }

    static JsonArray Fields(EntityKind kind) => new((kind == EntityKind.Company ? CompanyFields : ContactFields).Select(f => (JsonNode)f).ToArray());

    static JsonObject NameOrder(EntityKind kind) => kind == EntityKind.Company
        ? new JsonObject { ["TITLE"] = "ASC", ["ID"] = "ASC" }
        : new JsonObject { ["LAST_NAME"] = "ASC", ["NAME"] = "ASC", ["ID"] = "ASC" };

    static List<JsonElement> Rows(JsonElement? result) =>
        result is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().ToList() : [];

    static string Text(JsonElement row, string name) => Bitrix24OAuthClient.String(row, name) ?? "";

    static int? IntOf(JsonElement row, string name) =>
        int.TryParse(Bitrix24OAuthClient.String(row, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    static string? FirstValue(JsonElement row, string name) =>
        row.TryGetProperty(name, out var values) && values.ValueKind == JsonValueKind.Array
            ? values.EnumerateArray().Select(v => Bitrix24OAuthClient.String(v, "VALUE")).FirstOrDefault(v => !string.IsNullOrEmpty(v))
            : null;

    enum SearchMode
    {
        All,
        Name,
        Phone,
        Email,
    }

    /// <summary>What the search box holds: nothing, a name, a phone number or an e-mail address.</summary>
    readonly partial record struct Search(SearchMode Mode, string Text)
    {
        [GeneratedRegex(@"^\+?[\d\s().-]{5,30}$")]
        private static partial Regex PhonePattern();

        public static Search Parse(string? query)
        {
            var text = (query ?? "").Trim();
            if (text.Length > MaxSearchLength)
            {
                throw new SearchTooLongException();
            }

            return text.Length == 0 ? new(SearchMode.All, "")
                : text.Contains('@', StringComparison.Ordinal) ? new(SearchMode.Email, text)
                : PhonePattern().IsMatch(text) && text.Count(char.IsAsciiDigit) >= 5 ? new(SearchMode.Phone, text)
                : new(SearchMode.Name, text);
        }
    }
}
