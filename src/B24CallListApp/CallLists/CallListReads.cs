using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using Microsoft.Extensions.Caching.Memory;
using static B24CallListApp.CallLists.CrmRows;

namespace B24CallListApp.CallLists;

/// <summary>
/// What the workspace's pages show, read with the acting user's own token: the lists, one list's
/// participants a page at a time, the picker's marks of what is already in a list, the portal's forms.
/// No page spells a <c>crm.calllist.*</c> method or picks a paging mode: they come here.
/// </summary>
public sealed class CallListReads(Bitrix24Client client, ListReader reader, CrmSearch crm, IMemoryCache cache)
{
    public const int PageSize = Bitrix24Client.PageSize;

    /// <summary>A page of the lists the user can see, newest first, with creators, forms and sizes.</summary>
    public async Task<CallListsPage> ListsAsync(Actor actor, int page, EntityKind? kind, CancellationToken ct)
    {
        page = Math.Max(1, page);
        var filter = new JsonObject();
        if (kind is { } k)
        {
            filter["ENTITY_TYPE_ID"] = (int)k;
        }

        var answers = await client.BatchAsync(actor.Account,
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
        var (creators, counts) = await reader.CreatorsAndCountsAsync(actor, lists.Select(l => l.CreatedById).Distinct().ToList(), lists.Select(l => l.Id).ToList(), ct);
        return new CallListsPage(
            lists.Select(l => new CallListSummary(l, creators.GetValueOrDefault(l.CreatedById) ?? "#" + l.CreatedById.ToString(CultureInfo.InvariantCulture),
                l.WebFormId is { } f ? forms?.FirstOrDefault(x => x.Id == f)?.Name : null, counts.GetValueOrDefault(l.Id))).ToList(),
            page,
            lists.Count == PageSize);
    }

    /// <summary>One page of a list's participants as the user's own token reads them, with its statuses, forms and size.</summary>
    /// <param name="known">The list as a save just left it, as this user reads it: drawn from, not read again.</param>
    public async Task<CallListView> ViewAsync(Actor actor, int listId, int page, string? statusFilter, CancellationToken ct, ListSnapshot? known = null)
    {
        var (list, participants, statuses, forms) = known ?? await reader.ReadOwnAsync(actor, listId, ct);
        var filtered = statusFilter is null ? participants : participants.Where(p => p.StatusId == statusFilter).ToList();
        var pageCount = Math.Max(1, (filtered.Count + PageSize - 1) / PageSize);
        page = Math.Clamp(page, 1, pageCount);
        var onPage = filtered.Skip((page - 1) * PageSize).Take(PageSize).ToList();

        // Names with the user's own rights: a record that became unreadable since the read stays hidden, and is counted.
        var cards = await crm.CardsAsync(actor.Account, list.Kind, onPage.Select(p => p.EntityId).ToList(), ct);
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
    public async Task<(CallListInfo List, IReadOnlySet<int> Participants)> ParticipantsAsync(Actor actor, int listId, CancellationToken ct, ListSnapshot? known = null)
    {
        if (known is not null)
        {
            return (known.List, known.Participants.Select(p => p.EntityId).ToHashSet());
        }

        var version = _listVersions.GetValueOrDefault((actor.MemberId, listId));
        var key = (nameof(ParticipantsAsync), actor.MemberId, listId, actor.UserId, version);
        if (cache.TryGetValue(key, out (CallListInfo, IReadOnlySet<int>) cached))
        {
            return cached;
        }

        var (list, participants, _, _) = await reader.ReadOwnAsync(actor, listId, ct);
        var entry = (list, (IReadOnlySet<int>)participants.Select(p => p.EntityId).ToHashSet());
        cache.Set(key, entry, ParticipantIdsLifetime);
        return entry;
    }

    /// <summary>How long the picker's marks may lag behind a change made outside the app.</summary>
    static readonly TimeSpan ParticipantIdsLifetime = TimeSpan.FromSeconds(20);

    /// <summary>Each list's save count in this instance: a save moves it on, so every cached read of the list is passed over.</summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<(string MemberId, int ListId), int> _listVersions = new();

    /// <summary>A save through the app changed the list: what the picker holds of it is passed over from now on.</summary>
    public void Forget(string memberId, int listId) => _listVersions.AddOrUpdate((memberId, listId), 1, (_, v) => v + 1);

    /// <summary>The lists of one kind the user can see, for the placement's "Add to call list".</summary>
    public async Task<IReadOnlyList<CallListInfo>> ListsOfKindAsync(Actor actor, EntityKind kind, CancellationToken ct)
    {
        var rows = await client.ReadAllAsync(actor.Account, "crm.calllist.list",
            new JsonObject { ["ORDER"] = new JsonObject { ["ID"] = "DESC" }, ["FILTER"] = new JsonObject { ["ENTITY_TYPE_ID"] = (int)kind } }, Bitrix24Paging.UntilShortPage, ct);
        return rows.Select(ParseList).OfType<CallListInfo>().Where(l => l.Kind == kind).ToList();
    }

    public async Task<IReadOnlyList<CrmForm>?> FormsAsync(Actor actor, CancellationToken ct) =>
        ParseForms((await client.BatchAsync(actor.Account, [FormsCommand()], ct: ct))[0]);
}
