using System.Text.Json;
using System.Text.Json.Nodes;

namespace B24CallListApp.Bitrix24;

/// <summary>
/// Paged reads: every row of a list method in the fewest requests batch allows, each row kept as the
/// fields the app uses, within the caps on rows, bytes and time, and whether a reader saw a gap.
/// </summary>
public sealed partial class Bitrix24Client
{
    /// <summary>
    /// Reads every row of a list method in the fewest requests: the first page directly, the rest
    /// 50 pages to a batch. Rows come back in the method's order, each id once. A portal that ignores
    /// <c>start</c> (the same rows again) ends the read; one that pages past
    /// <see cref="Bitrix24Options.MaxRowsPerRead"/> rows or <see cref="Bitrix24Options.MaxReadTime"/> is stopped
    /// with <see cref="Bitrix24ReadLimitException"/>, so no portal can hold the app's memory or time.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> ReadAllAsync(Bitrix24Account account, string method, JsonObject? parameters, Bitrix24Paging paging, CancellationToken ct = default) =>
        (await ReadAllAsync(account, method, parameters, paging, [], ct)).Rows;

    /// <summary>Every row of a typed read, each read into its row type once.</summary>
    public async Task<IReadOnlyList<TRow>> ReadAllAsync<TRow>(Bitrix24Account account, Bitrix24Read<TRow> read, CancellationToken ct)
        where TRow : class =>
        read.ParseAll(await ReadAllAsync(account, read.Method, read.Parameters(), read.Paging, ct));

    /// <summary>
    /// The same paged read, with other commands riding in its first batch (the list a page shows
    /// beside its items, say), so that a page costs as few requests as batch allows.
    /// </summary>
    /// <param name="expectedPages">What an earlier read of the same list found (<see cref="PagedRead.PagesToEnd"/>): the
    /// batches then ask for those pages, instead of ten and then fifty at a time for a read of unknown length.</param>
    public Task<PagedRead> ReadAllAsync(Bitrix24Account account, string method, JsonObject? parameters, Bitrix24Paging paging, IReadOnlyList<BatchCommand> companions,
        CancellationToken ct = default, int? expectedPages = null)
        => WithinReadTimeAsync(method, deadline => ReadPagesAsync(account, method, parameters, paging, companions, NewRows(method, parameters), expectedPages, deadline), ct);

    /// <summary>A read stopped with <see cref="Bitrix24ReadLimitException"/> once it takes longer than <see cref="Bitrix24Options.MaxReadTime"/>.</summary>
    async Task<T> WithinReadTimeAsync<T>(string method, Func<CancellationToken, Task<T>> read, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.Value.MaxReadTime);
        try
        {
            return await read(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new Bitrix24ReadLimitException(method, $"it took longer than {options.Value.MaxReadTime}");
        }
    }

    async Task<PagedRead> ReadPagesAsync(Bitrix24Account account, string method, JsonObject? parameters, Bitrix24Paging paging, IReadOnlyList<BatchCommand> companions,
        PagedRows rows, int? expectedPages, CancellationToken ct)
    {
        BatchResult first;
        IReadOnlyList<BatchResult> companionResults = [];
        IReadOnlyList<BatchResult> firstBatch = [];
        if (companions.Count == 0)
        {
            try
            {
                var answer = await CallAsync(account, method, WithStart(parameters, 0), startWithin: null, ct);
                first = new BatchResult(answer.Result, answer.Total, answer.Next, null);
            }
            catch (Bitrix24AccessDeniedException e) when (paging == Bitrix24Paging.UntilAccessError && e.Code == "ACCESS_ERROR")
            {
                return rows.Read(companionResults);
            }
        }
        else
        {
            // Ten pages ride with the companions: a list of the size Bitrix24's own UI allows (500) is read
            // in one request, and a page past the end, which still costs the portal work (operating
            // time, counted per method), is not asked for forty times over on every view. A read whose
            // length an earlier read told asks for the pages it needs.
            var pages = paging == Bitrix24Paging.TotalAndNext ? 1 : Math.Clamp(expectedPages ?? FirstBatchPages, 1, MaxBatchCommands - companions.Count);
            var commands = companions.Concat(Enumerable.Range(0, pages).Select(i => new BatchCommand(method, WithStart(parameters, i * PageSize)))).ToList();
            var results = await BatchAsync(account, commands, ct: ct);
            companionResults = results.Take(companions.Count).ToList();
            firstBatch = results.Skip(companions.Count).ToList();
            first = firstBatch[0];
            if (first.Error is not null && !IsEmptyPage(first, paging))
            {
                throw first.Error;
            }
        }

        var firstPage = Rows(first.Result);
        rows.Add(firstPage);

        if (paging == Bitrix24Paging.TotalAndNext)
        {
            await ReadPagesAfterAsync(account, method, parameters, first, rows, ct);
            return rows.Read(companionResults);
        }

        var next = PageSize;
        if (firstBatch.Count > 0)
        {
            if (TakePages(firstBatch.Skip(1).ToList(), paging, rows, firstPage.Count))
            {
                return rows.Read(companionResults);
            }

            next = firstBatch.Count * PageSize;
        }
        else if (paging == Bitrix24Paging.UntilShortPage && firstPage.Count < PageSize)
        {
            return rows.Read(companionResults);
        }

        await ReadPagesFromAsync(account, method, parameters, paging, rows, next, firstBatch.Count == 0 && firstPage.Count < PageSize ? 4 : MaxBatchCommands, expectedPages, ct);
        return rows.Read(companionResults);
    }

    /// <summary>
    /// Pages from <paramref name="next"/> on, 50 to a batch (the first batch <paramref name="pagesPerBatch"/>; no more than
    /// <paramref name="expectedPages"/> say are left while they last), until the list ends.
    /// </summary>
    async Task ReadPagesFromAsync(Bitrix24Account account, string method, JsonObject? parameters, Bitrix24Paging paging, PagedRows rows, int next, int pagesPerBatch,
        int? expectedPages, CancellationToken ct)
    {
        while (true)
        {
            if (expectedPages - (next / PageSize) is > 0 and var left)
            {
                pagesPerBatch = Math.Min(left, MaxBatchCommands);
            }

            var starts = Enumerable.Range(0, pagesPerBatch).Select(i => next + (i * PageSize)).ToList();
            var results = await BatchAsync(account, starts.Select(s => new BatchCommand(method, WithStart(parameters, s))).ToList(), ct: ct);
            if (TakePages(results, paging, rows, PageSize))
            {
                return;
            }

            next += pagesPerBatch * PageSize;
            pagesPerBatch = MaxBatchCommands;
        }
    }

    /// <summary>The rest of a typed read whose first page the caller already has (see the untyped overload), each row read once.</summary>
    public async Task<IReadOnlyList<TRow>> ReadRestAsync<TRow>(Bitrix24Account account, Bitrix24Read<TRow> read, BatchResult firstPage, CancellationToken ct)
        where TRow : class =>
        read.ParseAll(await ReadRestAsync(account, read.Method, read.Parameters(), firstPage, read.Paging, ct));

    /// <summary>
    /// The rest of a read whose first page (start 0) the caller already has, from a batch of its own
    /// say: the first page's rows and every later page's. A short first page ends the read: unlike
    /// <see cref="ReadAllAsync(Bitrix24Account, string, JsonObject?, Bitrix24Paging, CancellationToken)"/>, which looks past a
    /// short page that may hide rows the user cannot read, this serves readers that see every row (an administrator counting a list).
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> ReadRestAsync(Bitrix24Account account, string method, JsonObject? parameters, BatchResult firstPage,
        Bitrix24Paging paging = Bitrix24Paging.TotalAndNext, CancellationToken ct = default)
    {
        var rows = NewRows(method, parameters);
        if (IsEmptyPage(firstPage, paging))
        {
            return rows.All;
        }

        if (firstPage.Error is { } error)
        {
            throw error;
        }

        var page = Rows(firstPage.Result);
        rows.Add(page);
        if (paging == Bitrix24Paging.TotalAndNext)
        {
            await ReadPagesAfterAsync(account, method, parameters, firstPage, rows, ct);
        }
        else if (page.Count == PageSize)
        {
            await WithinReadTimeAsync(method, async deadline =>
            {
                await ReadPagesFromAsync(account, method, parameters, paging, rows, PageSize, MaxBatchCommands, expectedPages: null, deadline);
                return true;
            }, ct);
        }

        return rows.All;
    }

    /// <summary>Every page after the first, all in batches, as many as the first page's total says.</summary>
    async Task ReadPagesAfterAsync(Bitrix24Account account, string method, JsonObject? parameters, BatchResult first, PagedRows rows, CancellationToken ct)
    {
        if (first.Total is not { } total || first.Next is null)
        {
            return;
        }

        // The total decides how many pages there are; past the row limit the read stops instead.
        rows.EnsureRoomFor(total);
        var starts = Enumerable.Range(1, (total - 1) / PageSize).Select(p => p * PageSize).ToList();
        var results = await BatchAsync(account, starts.Select(s => new BatchCommand(method, WithStart(parameters, s))).ToList(), ct: ct);
        foreach (var result in results)
        {
            if (result.Error is not null)
            {
                throw result.Error;
            }

            rows.Add(Rows(result.Result));
        }
    }

    static bool IsEmptyPage(BatchResult result, Bitrix24Paging paging) =>
        result.Error is Bitrix24AccessDeniedException { Code: "ACCESS_ERROR" } && paging == Bitrix24Paging.UntilAccessError;

    /// <summary>Adds a batch's pages in order; true when the list has ended.</summary>
    /// <param name="previousCount">Rows on the page before these, for a list whose first page is already known.</param>
    static bool TakePages(IReadOnlyList<BatchResult> results, Bitrix24Paging paging, PagedRows rows, int previousCount)
    {
        if (paging == Bitrix24Paging.UntilShortPage && previousCount < PageSize)
        {
            return true;
        }

        var ended = results.Count == 0 && previousCount == 0;
        foreach (var result in results)
        {
            var empty = IsEmptyPage(result, paging);
            if (result.Error is not null && !empty)
            {
                throw result.Error;
            }

            var page = empty ? [] : Rows(result.Result);
            if (!rows.Add(page) && page.Count > 0)
            {
                // Nothing new: the portal answers the same rows whatever start says.
                return true;
            }

            if (paging == Bitrix24Paging.UntilShortPage)
            {
                if (page.Count < PageSize)
                {
                    return true;
                }

                continue;
            }

            // UntilAccessError: an empty page ends the list only if every later page of this batch is empty too.
            ended = page.Count == 0;
        }

        return ended;
    }

    PagedRows NewRows(string method, JsonObject? parameters) =>
        new(method, options.Value.MaxRowsPerRead, options.Value.MaxReadBytes, Bitrix24Methods.RowFields(method, parameters));

    /// <summary>
    /// The rows of one paged read: each id once, each kept as the fields the app uses, no more than the
    /// configured rows and bytes, and whether a short page came before rows (see <see cref="PagedRead.Gapless"/>).
    /// </summary>
    sealed class PagedRows(string method, int limit, long maxBytes, IReadOnlyList<string>? fields)
    {
        readonly HashSet<string> _ids = new(StringComparer.Ordinal);
        long _bytes;
        bool _shortPageSeen;
        bool _gap;

        public List<JsonElement> All { get; } = [];

        int _pages;
        int _pagesToEnd = 1;

        public PagedRead Read(IReadOnlyList<BatchResult> companions) => new(All, companions, !_gap, _pagesToEnd);

        public void EnsureRoomFor(int total)
        {
            if (total > limit)
            {
                throw new Bitrix24ReadLimitException(method, $"the portal reports {total} rows, more than the {limit} one read may collect");
            }
        }

        /// <summary>Adds the page's rows not seen before (an empty page too, which adds nothing); false when the page held none.</summary>
        public bool Add(IReadOnlyList<JsonElement> page)
        {
            _pages++;
            if (page.Count > 0)
            {
                _pagesToEnd = _pages + 1;
            }

            _gap |= _shortPageSeen && page.Count > 0;
            _shortPageSeen |= page.Count < PageSize;
            var added = false;
            foreach (var raw in page)
            {
                _bytes += System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(raw).Length;
                if (_bytes > maxBytes)
                {
                    throw new Bitrix24ReadLimitException(method, $"more than {maxBytes} bytes of rows");
                }

                var row = fields is null ? raw : Project(raw, fields);
                var id = row.ValueKind == JsonValueKind.Object ? Bitrix24Json.String(row, "ID") : null;
                if (id is not null && !_ids.Add(id))
                {
                    continue;
                }

                All.Add(row);
                added = true;
                if (All.Count > limit)
                {
                    throw new Bitrix24ReadLimitException(method, $"more than {limit} rows");
                }
            }

            return added;
        }
    }

    /// <summary>Only the named fields of a row, in a small document of their own.</summary>
    static JsonElement Project(JsonElement row, IReadOnlyList<string> fields)
    {
        if (row.ValueKind != JsonValueKind.Object)
        {
            return row;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var field in fields)
            {
                if (row.TryGetProperty(field, out var value))
                {
                    writer.WritePropertyName(field);
                    value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    static JsonObject WithStart(JsonObject? parameters, int start)
    {
        var copy = parameters?.DeepClone().AsObject() ?? [];
        copy["start"] = start;
        return copy;
    }

    /// <summary>A page's rows, kept past the page's document.</summary>
    static List<JsonElement> Rows(JsonElement? result) => Bitrix24Json.Rows(result).Select(e => e.Clone()).ToList();
}
