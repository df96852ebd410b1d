using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using static B24CallListApp.Bitrix24.Bitrix24Json;
using static B24CallListApp.CallLists.CrmRows;

namespace B24CallListApp.CallLists;

/// <summary>
/// Contacts and companies as the acting user may read them: the picker's search (by name, phone or
/// e-mail, within a segment), every id matching it, and cards by id with their company titles.
/// </summary>
public sealed partial class CrmSearch(Bitrix24Client client)
{
    public const int PageSize = Bitrix24Client.PageSize;
    public const int MaxSearchLength = 100;

    /// <summary>
    /// A page of contacts or companies matching the search within the segment: by name (first or last
    /// name, or a company's title), or by phone or e-mail through <c>crm.duplicate.findbycomm</c>.
    /// </summary>
    public async Task<SearchPage> SearchAsync(Actor actor, EntityKind kind, CrmQuery query, int page, CancellationToken ct)
    {
        var search = Search.Parse(query.Text);
        page = Math.Clamp(page, 1, Bitrix24Client.LastReachablePage);
        if (search.Mode == SearchMode.All)
        {
            var records = new CrmRecords(kind, query.Segment.Filter(kind));
            var answer = await client.CallAsync(actor.Account, records.Method, records.Page((page - 1) * PageSize).Parameters, ct);
            if (answer.Total is { } total && page > PageCount(total) && total > 0)
            {
                // A page past the end (the records shrank since the page was drawn, or a hand-made number) shows the last one.
                page = PageCount(total);
                answer = await client.CallAsync(actor.Account, records.Method, records.Page((page - 1) * PageSize).Parameters, ct);
            }

            var cards = await ToCardsAsync(actor.Account, records.ParseAll(Rows(answer.Result)), ct);
            var matching = answer.Total ?? cards.Count;
            return new SearchPage(cards, matching, page, PageCount(matching));
        }

        var ids = await MatchingIdsAsync(actor, kind, query, ct);
        var pageCount = PageCount(ids.Count);
        page = Math.Min(page, pageCount);
        var pageIds = ids.Skip((page - 1) * PageSize).Take(PageSize).ToList();
        var found = await CardsAsync(actor.Account, kind, pageIds, ct);
        return new SearchPage(pageIds.Where(found.ContainsKey).Select(id => found[id]).ToList(), ids.Count, page, pageCount);
    }

    static int PageCount(int matching) => Math.Max(1, (matching + PageSize - 1) / PageSize);

    /// <summary>
    /// Every id matching the search within the segment, in the order the picker shows them ("Add all
    /// matching"): exactly what the portal returns for that filter with the user's token, however many.
    /// </summary>
    public async Task<IReadOnlyList<int>> MatchingIdsAsync(Actor actor, EntityKind kind, CrmQuery query, CancellationToken ct)
    {
        var search = Search.Parse(query.Text);
        var segment = query.Segment.Filter(kind);
        switch (search.Mode)
        {
            case SearchMode.Phone or SearchMode.Email:
                var byCommunication = new RecordsByCommunication(kind, search.Mode == SearchMode.Phone, search.Text);
                var found = byCommunication.Parse((await client.CallAsync(actor.Account, byCommunication, ct)).Result);
                // findbycomm ignores rights and segments: keep what the user may read within the segment.
                var readable = await CardsAsync(actor.Account, kind, found, ct, companyTitles: false, segment: segment);
                return found.Where(readable.ContainsKey).ToList();
            case SearchMode.Name:
                // First and last names are two queries (no OR in crm.contact.list): their first pages share a batch.
                var filters = kind == EntityKind.Company
                    ? [new JsonObject { ["%TITLE"] = search.Text }]
                    : NameFilters(search.Text);
                var reads = filters.Select(f => new CrmRecords(kind, Within(f, segment), CrmFields.Id)).ToList();
                var ids = new List<int>();
                var firstPages = await client.BatchAsync(actor.Account, reads.Select(r => r.Command()).ToList(), ct: ct);
                for (var i = 0; i < reads.Count; i++)
                {
                    ids.AddRange((await client.ReadRestAsync(actor.Account, reads[i], firstPages[i], ct)).Select(r => r.Id));
                }

                return ids.Distinct().ToList();
            default:
                var all = await client.ReadAllAsync(actor.Account, new CrmRecords(kind, segment, CrmFields.Id), ct);
                return all.Select(r => r.Id).Distinct().ToList();
        }
    }

    /// <summary>A name filter narrowed to the segment (crm.*.list ANDs every key of a filter).</summary>
    static JsonObject Within(JsonObject filter, JsonObject segment)
    {
        foreach (var (key, value) in segment)
        {
            filter[key] = value?.DeepClone();
        }

        return filter;
    }

    /// <summary>One contact or company as the user may read it; null when it does not exist for them.</summary>
    public async Task<EntityCard?> EntityAsync(Actor actor, EntityKind kind, int id, CancellationToken ct) =>
        (await CardsAsync(actor.Account, kind, [id], ct)).GetValueOrDefault(id);

    /// <summary>Contacts or companies by id, 50 to a command, as the account may read them, with company titles for contacts.</summary>
    /// <param name="companyTitles">False where only existence, visibility or names matter: it saves the request for the titles.</param>
    /// <param name="segment">A filter the cards must also match (a segment), or null.</param>
    public async Task<Dictionary<int, EntityCard>> CardsAsync(Bitrix24Account account, EntityKind kind, IReadOnlyList<int> ids, CancellationToken ct, bool companyTitles = true, JsonObject? segment = null)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var records = new List<CrmRecord>();
        var reads = ids.Distinct().Chunk(PageSize).Select(chunk => CrmRecords.ById(kind, chunk, segment)).ToList();
        var answers = await client.BatchAsync(account, reads.Select(r => r.Command()).ToList(), ct: ct);
        for (var i = 0; i < reads.Count; i++)
        {
            if (answers[i].Error is { } error)
            {
                throw error;
            }

            records.AddRange(reads[i].ParseAll(Rows(answers[i].Result)));
        }

        return (await ToCardsAsync(account, records, ct, companyTitles)).ToDictionary(c => c.Id);
    }

    /// <summary>Cards of the records, a contact's company named when the account may read it.</summary>
    async Task<List<EntityCard>> ToCardsAsync(Bitrix24Account account, IReadOnlyList<CrmRecord> records, CancellationToken ct, bool companyTitles = true)
    {
        var companies = new Dictionary<int, string>();
        var companyIds = companyTitles ? records.Where(r => r.Kind == EntityKind.Contact).Select(r => r.CompanyId).OfType<int>().Distinct().ToList() : [];
        if (companyIds.Count > 0)
        {
            var reads = companyIds.Chunk(PageSize).Select(chunk => CrmRecords.ById(EntityKind.Company, chunk, fields: CrmFields.Title)).ToList();
            var answers = await client.BatchAsync(account, reads.Select(r => r.Command()).ToList(), ct: ct);
            for (var i = 0; i < reads.Count; i++)
            {
                // A company the user may not read is simply not named.
                foreach (var company in reads[i].ParseAll(Rows(answers[i].Result)))
                {
                    companies[company.Id] = company.Name;
                }
            }
        }

        return records.Select(r => new EntityCard(r.Id, r.Kind, r.Name, r.Phone, r.Email, r.CompanyId is { } company ? companies.GetValueOrDefault(company) : null)).ToList();
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

    internal enum SearchMode
    {
        All,
        Name,
        Phone,
        Email,
    }

    /// <summary>What the search box holds: nothing, a name, a phone number or an e-mail address.</summary>
    internal readonly partial record struct Search(SearchMode Mode, string Text)
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
