using System.Globalization;
using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using B24CallListApp.Portals;
using Microsoft.Extensions.Options;
using static B24CallListApp.Bitrix24.Bitrix24Json;
using static B24CallListApp.CallLists.CrmRows;

namespace B24CallListApp.CallLists;

/// <summary>
/// Saves that lose nothing. <c>crm.calllist.update</c> replaces the whole participant set and clears
/// the form when <c>WEBFORM_ID</c> is left out, so every save holds its list's turn (a lock here, a lease
/// in the database across instances), reads the list fresh with an account proven to see every
/// participant, asks <see cref="SavePlan"/> what to send, sends it as the user, and reads back a write
/// whose answer was lost. Creates are never sent twice.
/// </summary>
public sealed class CallListSaver(Bitrix24Client client, ListReader reader, CallListReads reads, CrmSearch crm, DbLeases leases, CallListMetrics metrics,
    IOptions<CallListOptions> options, ILogger<CallListSaver> logger)
{
    readonly KeyedLocks<(string MemberId, int ListId)> _saves = new();

    /// <summary>
    /// Saves a change to a list so that nothing is lost: a fresh read (with an account that sees
    /// every participant), the user's additions and removals applied to it, the form the user chose or
    /// else the current one; refused, and nothing sent, if it would drop participants the user cannot
    /// see, empty the list or add records of another kind. Saves to one list take turns.
    /// </summary>
    public Task<SaveResult> SaveAsync(Actor actor, int listId, CallListChange change, CancellationToken ct) =>
        SaveCoreAsync(actor, listId, _ => Task.FromResult((change, FromSearch: false)), ct);

    /// <summary>
    /// "Add all matching": every record the user's search (text and segment) finds goes into the list. The search runs
    /// with the user's own rights on the list's own kind, so what it finds exists, is of that kind and
    /// is readable by the user: no further check is needed, and the save costs only the reads batch requires.
    /// </summary>
    /// <param name="found">Told how many records matched, before they are saved (for the page's progress).</param>
    public Task<SaveResult> AddMatchingAsync(Actor actor, int listId, CrmQuery query, CancellationToken ct, Func<int, Task>? found = null)
    {
        CrmSearch.Search.Parse(query.Text);
        return SaveCoreAsync(actor, listId, async list =>
        {
            var matching = await crm.MatchingIdsAsync(actor, list.Kind, query, ct);
            if (found is not null)
            {
                await found(matching.Count);
            }

            return (new CallListChange(matching, [], Form: null), FromSearch: true);
        }, ct);
    }

    async Task<SaveResult> SaveCoreAsync(Actor actor, int listId, Func<CallListInfo, Task<(CallListChange Change, bool FromSearch)>> plan, CancellationToken ct)
    {
        using var span = CallListMetrics.Source.StartActivity("calllist.save");
        span?.SetTag("bitrix24.member_id", actor.MemberId);
        span?.SetTag("calllists.list_id", listId);
        var result = await SaveInTurnAsync(actor, listId, plan, ct);
        metrics.Saved("save", result);
        return result;
    }

    async Task<SaveResult> SaveInTurnAsync(Actor actor, int listId, Func<CallListInfo, Task<(CallListChange Change, bool FromSearch)>> plan, CancellationToken ct)
    {
        // Saves to one list take turns within this instance, and across instances through a lease in the database.
        using var turn = await _saves.EnterAsync((actor.MemberId, listId), ct);
        DbLease lease;
        try
        {
            lease = await leases.AcquireAsync($"calllist:{actor.MemberId}:{listId.ToString(CultureInfo.InvariantCulture)}", ct);
        }
        catch (System.Data.Common.DbException e)
        {
            logger.LogWarning(e, "Could not take the save lease of call list {ListId} in portal {MemberId}", listId, actor.MemberId);
            return new SaveResult(SaveOutcome.Failed, "NotSavedTryAgain", [], 503);
        }

        await using (lease)
        {
            return await SaveLeasedAsync(actor, listId, plan, lease, ct);
        }
    }

    async Task<SaveResult> SaveLeasedAsync(Actor actor, int listId, Func<CallListInfo, Task<(CallListChange Change, bool FromSearch)>> plan, DbLease lease, CancellationToken ct)
    {
        SaveRead read;
        try
        {
            read = await reader.ReadForSaveAsync(actor, listId, ct);
        }
        catch (AdminNeededException)
        {
            return SaveResult.Refused("AdminNeeded") with { HttpStatus = 409 };
        }
        catch (IncompleteReadException)
        {
            logger.LogWarning("Call list {ListId} in portal {MemberId} was read with a gap; the save was refused", listId, actor.MemberId);
            return SaveResult.Refused("ReadIncomplete") with { HttpStatus = 409 };
        }

        var (list, own, statuses, forms) = read.Own;
        var current = read.All.Select(p => p.EntityId).ToList();
        var (change, fromSearch) = await plan(list);
        if (SavePlan.TooLarge(change, options.Value.MaxParticipants) is { } tooLarge)
        {
            return Refused(tooLarge);
        }

        // What the user chose is checked with their own rights, in one read; records found by their own search need no check.
        var readable = await crm.CardsAsync(actor.Account, list.Kind, SavePlan.ToCheck(current, change, read.UserIsAdmin, fromSearch), ct, companyTitles: false);
        var decision = SavePlan.Decide(list, current, change, new SaveVisibility(read.UserIsAdmin, fromSearch, readable.Keys.ToHashSet()), forms, options.Value.MaxParticipants);
        if (decision is not SaveDecision.Update update)
        {
            return decision is SaveDecision.Refused refused
                ? Refused(refused)
                : new SaveResult(SaveOutcome.NothingToSave, "NothingToSave", []) { ListId = listId, Snapshot = read.Own };
        }

        var (next, formId, toAdd, toRemove, formChanged) = (update.Entities, update.FormId, update.Added, update.Removed, update.FormChanged);
        var removeSet = toRemove.ToHashSet();
        var replacement = new CallListUpdate(listId, list.Kind, next, formId);

        var formName = formId is { } named ? forms?.FirstOrDefault(f => f.Id == named)?.Name ?? "#" + named.ToString(CultureInfo.InvariantCulture) : null;
        try
        {
            // The lease is confirmed ours for a whole term, and the update must start within a third of it: no
            // other instance can have read and replaced the list in between. Sent as the user, with their
            // rights; once sent, the write is not abandoned with their request.
            await lease.ConfirmAsync(ct);
            reads.Forget(actor.MemberId, listId);
            await client.CallAsync(actor.Account, replacement, CancellationToken.None, startWithin: DbLeases.Term / 3);
        }
        catch (Exception e) when (e is LeaseLostException or System.Data.Common.DbException)
        {
            logger.LogWarning("The save lease of call list {ListId} in portal {MemberId} was lost before the update; nothing was sent", listId, actor.MemberId);
            return new SaveResult(SaveOutcome.Failed, "NotSavedTryAgain", [], 503) { ListId = listId };
        }
        catch (Bitrix24ApiException e) when (e.Refused)
        {
            return Refusal(e, formId);
        }
        catch (Bitrix24Exception e) when (e.OutcomeUnknown || e.NotCarriedOut)
        {
            // The write may or may not have happened (an earlier attempt may have): a fresh read says which.
            logger.LogWarning("Saving call list {ListId} in portal {MemberId} ended without an answer ({Code}); reading it back", listId, actor.MemberId, e.Code);
            return await OutcomeOfUnansweredSaveAsync(actor, listId, read.All, next, formId, e);
        }

        // The list as the user now reads it: what they read, less what they removed, and what they added
        // (readable to them); kept participants keep their status, new ones start "in work", as Bitrix24 does.
        var statusOf = own.ToDictionary(p => p.EntityId, p => p.StatusId);
        var seen = own.Select(p => p.EntityId).Where(id => !removeSet.Contains(id)).Concat(toAdd);
        var snapshot = new ListSnapshot(list with { WebFormId = formId }, seen.Select(id => new Participant(id, statusOf.GetValueOrDefault(id) ?? "IN_WORK")).ToList(), statuses, forms);
        logger.LogInformation("Saved call list {ListId} in portal {MemberId}: {Added} added, {Removed} removed, form {Form}", listId, actor.MemberId, toAdd.Count, toRemove.Count, formId);
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
    async Task<SaveResult> OutcomeOfUnansweredSaveAsync(Actor actor, int listId, IReadOnlyList<Participant> before, IReadOnlyList<int> intended, int? formId, Bitrix24Exception error)
    {
        try
        {
            var after = await reader.ReadForSaveAsync(actor, listId, CancellationToken.None);
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

    static SaveResult Refused(SaveDecision.Refused refused) => new(SaveOutcome.Refused, refused.TextKey, refused.Arguments, refused.HttpStatus);

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
    public async Task<SaveResult> CreateAsync(Actor actor, EntityKind kind, IReadOnlyCollection<int> entityIds, int? formId, CancellationToken ct)
    {
        using var span = CallListMetrics.Source.StartActivity("calllist.create");
        span?.SetTag("bitrix24.member_id", actor.MemberId);
        var result = await CreateCoreAsync(actor, kind, entityIds, formId, ct);
        metrics.Saved("create", result);
        return result;
    }

    async Task<SaveResult> CreateCoreAsync(Actor actor, EntityKind kind, IReadOnlyCollection<int> entityIds, int? formId, CancellationToken ct)
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
        var cards = await crm.CardsAsync(actor.Account, kind, ids, ct);
        var strangers = ids.Count(id => !cards.ContainsKey(id));
        if (strangers > 0)
        {
            return actor.Admin
                ? SaveResult.Refused(kind == EntityKind.Company ? "NotCompanies" : "NotContacts", strangers)
                : SaveResult.Refused("CannotAddUnreadable", strangers);
        }

        var forms = await reads.FormsAsync(actor, ct);
        if (formId is { } wanted && forms is not null && forms.All(f => f.Id != wanted))
        {
            return SaveResult.Refused("WrongForm", wanted);
        }

        var newest = await NewestListIdAsync(actor, ct);

        int listId;
        try
        {
            var answer = await client.CallAsync(actor.Account, new CallListAdd(kind, ids, formId), CancellationToken.None);
            listId = int.Parse(answer.Result.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture);
        }
        catch (Bitrix24ApiException e) when (e.Refused)
        {
            return Refusal(e, formId);
        }
        catch (Bitrix24Exception e) when (e.OutcomeUnknown || e.NotCarriedOut)
        {
            logger.LogWarning("Creating a call list in portal {MemberId} ended without an answer ({Code}); looking for it", actor.MemberId, e.Code);
            var created = await FindCreatedAsync(actor, kind, newest, CancellationToken.None);
            if (created is null)
            {
                return new SaveResult(SaveOutcome.Unknown, "CreateUnknown", [], 503);
            }

            listId = created.Value;
        }

        var items = await client.ReadAllAsync(actor.Account, new CallListItems(listId), CancellationToken.None);
        var inList = items.Select(p => (int?)p.EntityId).ToHashSet();
        var dropped = ids.Where(id => !inList.Contains(id)).Select(id => cards[id].DisplayName).ToList();
        logger.LogInformation("Created call list {ListId} in portal {MemberId} with {Count} participants", listId, actor.MemberId, ids.Count - dropped.Count);
        return new SaveResult(SaveOutcome.Saved, "Created", [listId, ids.Count - dropped.Count])
        {
            Added = ids.Count - dropped.Count,
            Dropped = dropped,
            ListId = listId,
            FormName = formId is { } f ? forms?.FirstOrDefault(x => x.Id == f)?.Name : null,
        };
    }

    async Task<int> NewestListIdAsync(Actor actor, CancellationToken ct)
    {
        var answer = await client.CallAsync(actor.Account, new CallListsNewestFirst(IdsOnly: true), ct);
        return Rows(answer.Result).Select(r => IntOf(r, "ID") ?? 0).DefaultIfEmpty(0).Max();
    }

    async Task<int?> FindCreatedAsync(Actor actor, EntityKind kind, int newestBefore, CancellationToken ct)
    {
        try
        {
            var search = new CallListsNewestFirst(kind, CreatedAfter: newestBefore, CreatedBy: actor.UserId);
            var answer = await client.CallAsync(actor.Account, search, ct);
            var created = search.ParseAll(Rows(answer.Result));
            return created.Count == 1 ? created[0].Id : null;
        }
        catch (Bitrix24Exception e)
        {
            logger.LogWarning("Could not look for the call list whose creation went unanswered: {Code}", e.Code);
            return null;
        }
    }
}
