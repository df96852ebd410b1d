using System.Globalization;
using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using Microsoft.Extensions.Caching.Memory;
using static B24CallListApp.Bitrix24.Bitrix24Json;
using static B24CallListApp.CallLists.CrmRows;

namespace B24CallListApp.CallLists;

/// <summary>
/// What the workspace's pages show, read with the acting user's own token: the lists, one list's
/// participants a page at a time, the picker's marks of what is already in a list, the portal's forms.
/// No page spells a <c>crm.calllist.*</c> method or picks a paging mode: they come here.
/// </summary>
public sealed class CallListReads(Bitrix24Client client, ListReader reader, CrmSearch crm, IMemoryCache cache, ILogger<CallListReads> logger)
{
    public const int PageSize = Bitrix24Client.PageSize;

    /// <summary>A page of the lists the user can see, newest first, with creators, forms and sizes.</summary>
    public async Task<CallListsPage> ListsAsync(Actor actor, int page, EntityKind? kind, CancellationToken ct)
    {
        page = Math.Clamp(page, 1, Bitrix24Client.LastReachablePage);
        var newestFirst = new CallListsNewestFirst(kind);
        var answers = await client.BatchAsync(actor.Account,
        [
            newestFirst.Page((page - 1) * PageSize),
            new CrmWebForms().Command(),
        ], ct: ct);
        if (answers[0].Error is { } error)
        {
            throw error;
        }

        var lists = newestFirst.ParseAll(Rows(answers[0].Result));
        var forms = CrmWebForms.Read(answers[1]);
        var (creators, sizes) = await CreatorsAndSizesAsync(actor, lists, ct);
        return new CallListsPage(
            lists.Select(l => new CallListSummary(l, creators.GetValueOrDefault(l.CreatedById) ?? "#" + l.CreatedById.ToString(CultureInfo.InvariantCulture),
                l.WebFormId is { } f ? forms?.FirstOrDefault(x => x.Id == f)?.Name : null, sizes.GetValueOrDefault(l.Id))).ToList(),
            page,
            lists.Count == PageSize);
    }

    /// <summary>
    /// The lists' creators and sizes in one batch, with the user's own token: no page waits on a list's
    /// full read. Each list whose size is not known gets its first pages (two, or its share of the batch when
    /// that is less; at least one); a list that fills them shows "at least". A size the user's own read of a list counted
    /// is kept briefly and wins, until a save through the app changes the list.
    /// </summary>
    async Task<(Dictionary<long, string> Creators, Dictionary<int, ListSize> Sizes)> CreatorsAndSizesAsync(Actor actor, IReadOnlyList<CallListInfo> lists, CancellationToken ct)
    {
        var sizes = new Dictionary<int, ListSize>();
        foreach (var list in lists)
        {
            if (cache.TryGetValue(SizeKey(actor, list.Id), out int known))
            {
                sizes[list.Id] = new ListSize(known, AtLeast: false);
            }
        }

        var unknown = lists.Where(l => !sizes.ContainsKey(l.Id)).Select(l => l.Id).ToList();
        var creatorIds = lists.Select(l => l.CreatedById).Distinct().ToList();
        if (creatorIds.Count == 0)
        {
            return ([], sizes);
        }

        var pagesEach = unknown.Count == 0 ? 0 : Math.Clamp((Bitrix24Client.MaxBatchCommands - 1) / unknown.Count, 1, SizePages);
        var commands = new List<BatchCommand> { new UsersById(creatorIds).Command() };
        commands.AddRange(unknown.SelectMany(id => Enumerable.Range(0, pagesEach)
            .Select(p => new CallListItems(id).Page(p * PageSize))));
        IReadOnlyList<BatchResult> answers;
        try
        {
            answers = await client.BatchAsync(actor.Account, commands, ct: ct);
        }
        catch (Bitrix24Exception e) when (e is not (Bitrix24AuthException or Bitrix24ReinstallRequiredException or Bitrix24AppDeletedException))
        {
            // Names and sizes are the page's extras: without them the lists still show.
            logger.LogWarning("Could not read the creators and sizes of portal {MemberId}'s call lists: {Code}", actor.MemberId, e.Code);
            return ([], sizes);
        }

        var creators = answers[0].Error is { } namesError ? NoUserNames(actor, namesError) : UsersById.Names(answers[0].Result);
        for (var i = 0; i < unknown.Count; i++)
        {
            var pages = answers.Skip(1 + (i * pagesEach)).Take(pagesEach).ToList();
            if (pages.Any(p => p.Error is { Code: not "ACCESS_ERROR" }))
            {
                continue;
            }

            // An empty page (403 ACCESS_ERROR) ends what this user sees; a full last page may go on.
            var counts = pages.Select(p => p.Error is null ? Rows(p.Result).Count : 0).ToList();
            var atLeast = counts[^1] == PageSize || (!actor.Admin && counts[^1] > 0);
            sizes[unknown[i]] = new ListSize(counts.Sum(), atLeast);
            if (!atLeast)
            {
                cache.Set(SizeKey(actor, unknown[i]), counts.Sum(), SizeLifetime);
            }
        }

        return (creators, sizes);
    }

    /// <summary>
    /// First pages asked per list for its size (100 participants): each page past a list's end still costs the
    /// portal operating time, counted per method, on every visit. A longer list shows "100+" until the user opens it.
    /// </summary>
    const int SizePages = 2;

    /// <summary>How long a list's size, as one user's read counted it, is shown without asking again.</summary>
    static readonly TimeSpan SizeLifetime = TimeSpan.FromMinutes(2);

    (string, string, int, long, int) SizeKey(Actor actor, int listId) => ListKey("size", actor, listId);

    /// <summary>What one user's read of a list left in the cache, keyed by the list's save count: a save passes over every entry.</summary>
    (string, string, int, long, int) ListKey(string what, Actor actor, int listId) =>
        (what, actor.MemberId, listId, actor.UserId, _listVersions.GetValueOrDefault((actor.MemberId, listId)));

    /// <summary>Without the user scope the creators show as ids.</summary>
    Dictionary<long, string> NoUserNames(Actor actor, Bitrix24Exception error)
    {
        logger.LogInformation("Could not read user names in portal {MemberId}: {Code}", actor.MemberId, error.Code);
        return [];
    }

    /// <summary>One page of a list's participants as the user's own token reads them, with its statuses, forms and size.</summary>
    /// <param name="known">The list as a save just left it, as this user reads it: drawn from, not read again.</param>
    public async Task<CallListView> ViewAsync(Actor actor, int listId, int page, string? statusFilter, CancellationToken ct, ListSnapshot? known = null)
    {
        var (list, participants, statuses, forms) = known ?? await reader.ReadOwnAsync(actor, listId, ct);
        cache.Set(SizeKey(actor, listId), participants.Count, SizeLifetime);
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

        var key = ListKey("participants", actor, listId);
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
        var lists = await client.ReadAllAsync(actor.Account, new CallListsNewestFirst(kind), ct);
        return lists.Where(l => l.Kind == kind).ToList();
    }

    public async Task<IReadOnlyList<CrmForm>?> FormsAsync(Actor actor, CancellationToken ct) =>
        CrmWebForms.Read((await client.BatchAsync(actor.Account, [new CrmWebForms().Command()], ct: ct))[0]);
}
