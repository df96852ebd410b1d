using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Bitrix24;

/// <summary>A successful answer: <c>result</c>, and <c>total</c>/<c>next</c> where the method pages.</summary>
public sealed record Bitrix24Response(JsonElement Result, int? Total, int? Next);

public sealed record BatchCommand(string Method, JsonObject? Parameters = null);

/// <summary>One command's outcome inside a batch: a result, or the error Bitrix24 reported for it.</summary>
public sealed record BatchResult(JsonElement? Result, int? Total, int? Next, Bitrix24Exception? Error);

/// <summary>Every row of a paged read, and the outcomes of the commands that rode in its first batch.</summary>
/// <param name="Gapless">
/// Every page before the last one that held rows was full. A reader who sees every row always reads
/// gapless; a short page mid-list means the portal cut rows this reader may not read.
/// </param>
public sealed record PagedRead(IReadOnlyList<JsonElement> Rows, IReadOnlyList<BatchResult> Companions, bool Gapless = true);

/// <summary>How a list method tells that there is no more.</summary>
public enum Bitrix24Paging
{
    /// <summary><c>total</c> and <c>next</c> are given (crm.contact.list, crm.company.list).</summary>
    TotalAndNext,

    /// <summary>No total; a page shorter than 50 is the last (crm.calllist.list).</summary>
    UntilShortPage,

    /// <summary>No total; rows the user cannot read are cut from each page, and an empty page is 403 ACCESS_ERROR (crm.calllist.items.get).</summary>
    UntilAccessError,
}

/// <summary>
/// The one Bitrix24 REST client for every portal. It calls <c>{client_endpoint}{method}</c> as an
/// account, refreshes on <c>expired_token</c>, and leaves limits and retries to its HTTP pipeline.
/// </summary>
public sealed class Bitrix24Client(HttpClient http, AccountTokens tokens, PortalRateLimiter limiter, Bitrix24OAuthClient oauth, PortalAddressPolicy addresses,
    IBitrix24PortalStore portals, IOptions<Bitrix24Options> options)
{
    public const int PageSize = 50;
    public const int MaxBatchCommands = 50;

    /// <summary>Pages a read asks for beside its companions, before it knows how long the list is.</summary>
    const int FirstBatchPages = 10;

    public Task<Bitrix24Response> CallAsync(Bitrix24Account account, string method, object? parameters, CancellationToken ct = default) =>
        CallAsync(account, method, parameters as JsonObject ?? JsonSerializer.SerializeToNode(parameters) as JsonObject, Bitrix24Methods.IsRepeatable(method), ct);

    public Task<Bitrix24Response> CallAsync(Bitrix24Account account, string method, JsonObject? parameters, bool repeatable, CancellationToken ct = default) =>
        CallAsync(account, method, parameters, repeatable, startWithin: null, ct);

    /// <param name="startWithin">How long each attempt may wait for the portal's limit; past it the call is not sent (<see cref="Bitrix24NotSentException"/>).</param>
    public async Task<Bitrix24Response> CallAsync(Bitrix24Account account, string method, JsonObject? parameters, bool repeatable, TimeSpan? startWithin, CancellationToken ct)
    {
        var token = await tokens.GetAsync(account.Key, ct);
        var refreshed = false;
        var followed = false;
        while (true)
        {
            var body = parameters?.DeepClone().AsObject() ?? [];
            body["auth"] = token.AccessToken;
            try
            {
                return await SendAsync(account, method, body, repeatable, ct, startWithin);
            }
            catch (Bitrix24AuthException e) when (e.Code == "expired_token" && !refreshed)
            {
                // The one signal to refresh on; the call is then made once more with the new pair.
                refreshed = true;
                token = await tokens.RefreshAsync(account, token, ct);
            }
            catch (Bitrix24PortalMovedException moved) when (!followed)
            {
                // A redirect answers before anything runs, so any call may be sent again at the new address.
                followed = true;
                account = await FollowMoveAsync(account, token, moved, ct);
            }
        }
    }

    /// <summary>
    /// One call with an access token the app has just verified but not stored (the installer page
    /// asks <c>profile</c> whether its user is an administrator before anything is saved). No refresh.
    /// </summary>
    public Task<Bitrix24Response> CallWithAccessTokenAsync(Uri clientEndpoint, string memberId, string accessToken, string method, object? parameters, CancellationToken ct = default)
    {
        var body = parameters as JsonObject ?? JsonSerializer.SerializeToNode(parameters) as JsonObject ?? [];
        body = body.DeepClone().AsObject();
        body["auth"] = accessToken;
        return SendAsync(new Bitrix24Account(new AccountKey(memberId, 0), clientEndpoint, clientEndpoint), method, body, Bitrix24Methods.IsRepeatable(method), ct);
    }

    /// <summary>
    /// The 302 only says that the portal moved; where to is asked of the trusted OAuth server,
    /// so a token never follows a Location header to a host nobody vouched for.
    /// </summary>
    async Task<Bitrix24Account> FollowMoveAsync(Bitrix24Account account, AuthToken token, Bitrix24PortalMovedException moved, CancellationToken ct)
    {
        var info = await oauth.GetTokenInfoAsync(account.OAuthServer, token.AccessToken, ct);
        // The same checks as a verified open: this app's token, this portal, its own domain, an allowed address.
        if (info.ClientEndpoint == account.ClientEndpoint || TokenInfoCheck.Check(info, options.Value.ClientId, account.Key.MemberId, domain: null, addresses) is not null)
        {
            throw moved;
        }

        await portals.MovedAsync(account.Key.MemberId, info.Domain, info.ClientEndpoint, ct);
        return account with { ClientEndpoint = info.ClientEndpoint };
    }

    async Task<Bitrix24Response> SendAsync(Bitrix24Account account, string method, JsonObject body, bool repeatable, CancellationToken ct, TimeSpan? startWithin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(account.ClientEndpoint, method + ".json"))
        {
            Content = JsonContent.Create(body),
        };
        request.Options.Set(Bitrix24Request.Portal, account.Key.MemberId);
        request.Options.Set(Bitrix24Request.Method, method);
        request.Options.Set(Bitrix24Request.Repeatable, repeatable);
        if (startWithin is { } within)
        {
            request.Options.Set(Bitrix24Request.StartWithin, within);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e) when (e.InnerException is PortalAddressRefusedException)
        {
            throw new Bitrix24ForbiddenAddressException(method, e);
        }
        catch (HttpRequestException e)
        {
            throw new Bitrix24ConnectionException(method, e);
        }
        catch (Polly.Timeout.TimeoutRejectedException e)
        {
            throw new Bitrix24TimeoutException(method, e);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Found or HttpStatusCode.MovedPermanently or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect)
            {
                var location = response.Headers.Location;
                var newDomain = location is { IsAbsoluteUri: true } ? location.Authority : null;
                // A redirect to the same host means the portal is unavailable, not moved.
                throw newDomain is not null && newDomain != account.ClientEndpoint.Authority
                    ? new Bitrix24PortalMovedException(method, newDomain)
                    : new Bitrix24ApiException(method, "PORTAL_UNAVAILABLE", "The portal redirected to itself", (int)response.StatusCode);
            }

            using var document = await ParseObjectAsync(method, response, ct);
            var root = document.RootElement;
            if (Bitrix24OAuthClient.String(root, "error") is { } code)
            {
                var error = ToException(method, code, Bitrix24OAuthClient.String(root, "error_description") ?? code, (int)response.StatusCode);
                if (error is Bitrix24OperationTimeLimitException)
                {
                    var resetAt = limiter.OnOperatingLimit(account.Key.MemberId, method);
                    throw new Bitrix24OperationTimeLimitException(method, error.Description ?? code, resetAt);
                }

                throw error;
            }

            if (!response.IsSuccessStatusCode || !root.TryGetProperty("result", out var result))
            {
                throw await UnexpectedAsync(method, response, ct);
            }

            RecordOperating(account, method, root);
            return new Bitrix24Response(result.Clone(), Int(root, "total"), Int(root, "next"));
        }
    }

    void RecordOperating(Bitrix24Account account, string method, JsonElement root)
    {
        if (root.TryGetProperty("time", out var time) && time.ValueKind == JsonValueKind.Object)
        {
            var operating = time.TryGetProperty("operating", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetDouble() : 0;
            var resetAt = Bitrix24OAuthClient.Number(time, "operating_reset_at") is { } unix ? DateTimeOffset.FromUnixTimeSeconds(unix) : (DateTimeOffset?)null;
            limiter.RecordOperating(account.Key.MemberId, method, operating, resetAt);
        }
    }

    /// <summary>The answer as a JSON object, parsed from its UTF-8 bytes where they lie (no copy as text).</summary>
    static async Task<JsonDocument> ParseObjectAsync(string method, HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var document = response.Content is PortalAnswerContent { Utf8: { } utf8 }
                ? JsonDocument.Parse(utf8)
                : JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
        }

        throw await UnexpectedAsync(method, response, ct);
    }

    /// <summary>An answer that is not what Bitrix24 sends, with the start of its body for the log.</summary>
    static async Task<Bitrix24UnexpectedResponseException> UnexpectedAsync(string method, HttpResponseMessage response, CancellationToken ct) =>
        new(method, (int)response.StatusCode, Bitrix24OAuthClient.Snippet(await response.Content.ReadAsStringAsync(ct)));

    static int? Int(JsonElement element, string name) => (int?)Bitrix24OAuthClient.Number(element, name);

    internal static Bitrix24Exception ToException(string method, string code, string description, int status) => code switch
    {
        "expired_token" or "invalid_token" or "NO_AUTH_FOUND" or "INVALID_CREDENTIALS" => new Bitrix24AuthException(method, code, description, status),
        "ACCESS_DENIED" or "ACCESS_ERROR" or "insufficient_scope" or "user_access_error" or "INSUFFICIENT_SCOPE" => new Bitrix24AccessDeniedException(method, code, description, status),
        "QUERY_LIMIT_EXCEEDED" => new Bitrix24RateLimitException(method, description),
        "OPERATION_TIME_LIMIT" => new Bitrix24OperationTimeLimitException(method, description, DateTimeOffset.MinValue),
        "PORTAL_DELETED" => new Bitrix24PortalDeletedException(method, description, status),
        "PAYMENT_REQUIRED" => new Bitrix24PaymentRequiredException(description),
        _ => new Bitrix24ApiException(method, code, description, status),
    };

    /// <summary>
    /// Runs commands in as few <c>batch</c> calls as possible (50 commands each) and reports each
    /// command's own result or error. The batch is repeated on a transient failure only when every
    /// command in it is safe to repeat.
    /// </summary>
    public async Task<IReadOnlyList<BatchResult>> BatchAsync(Bitrix24Account account, IReadOnlyList<BatchCommand> commands, bool halt = false, CancellationToken ct = default)
    {
        var results = new List<BatchResult>(commands.Count);
        foreach (var chunk in commands.Chunk(MaxBatchCommands))
        {
            var cmd = new JsonObject();
            for (var i = 0; i < chunk.Length; i++)
            {
                var query = Bitrix24Query.Encode(chunk[i].Parameters);
                cmd[Key(i)] = chunk[i].Method + "?" + query;
            }

            var repeatable = chunk.All(c => Bitrix24Methods.IsRepeatable(c.Method));
            var response = await CallAsync(account, "batch", new JsonObject { ["halt"] = halt ? 1 : 0, ["cmd"] = cmd }, repeatable, ct);
            var answer = response.Result;
            for (var i = 0; i < chunk.Length; i++)
            {
                var key = Key(i);
                var error = Entry(answer, "result_error", key, i);
                if (error is { ValueKind: JsonValueKind.Object } e)
                {
                    var code = Bitrix24OAuthClient.String(e, "error") ?? "UNKNOWN";
                    results.Add(new BatchResult(null, null, null, ToException(chunk[i].Method, code, Bitrix24OAuthClient.String(e, "error_description") ?? code, StatusOf(code))));
                    continue;
                }

                var result = Entry(answer, "result", key, i);
                var total = Entry(answer, "result_total", key, i);
                var next = Entry(answer, "result_next", key, i);
                results.Add(new BatchResult(
                    result?.Clone(),
                    total is { } t && int.TryParse(t.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var tn) ? tn : null,
                    next is { } n && int.TryParse(n.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var nn) ? nn : null,
                    result is null && halt ? new Bitrix24ApiException(chunk[i].Method, "BATCH_HALTED", "Not run: an earlier command failed", 400) : null));
            }

            if (halt && results.Any(r => r.Error is not null))
            {
                break;
            }
        }

        return results;
    }

    /// <summary>A command's error inside a batch has no HTTP status of its own: it is the one Bitrix24 gives that code alone.</summary>
    static int StatusOf(string code) => code switch
    {
        "INTERNAL_SERVER_ERROR" or "ERROR_UNEXPECTED_ANSWER" or "PORTAL_DELETED" => 500,
        "QUERY_LIMIT_EXCEEDED" or "OVERLOAD_LIMIT" => 503,
        "OPERATION_TIME_LIMIT" => 429,
        "expired_token" or "invalid_token" or "NO_AUTH_FOUND" => 401,
        "ACCESS_DENIED" or "ACCESS_ERROR" or "insufficient_scope" or "user_access_error" or "INVALID_CREDENTIALS" => 403,
        "ERROR_METHOD_NOT_FOUND" => 404,
        _ => 400,
    };

    static string Key(int index) => "c" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>A batch answer section is an object keyed by command, or [] when empty.</summary>
    static JsonElement? Entry(JsonElement answer, string section, string key, int index)
    {
        if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty(section, out var part))
        {
            return null;
        }

        if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty(key, out var value))
        {
            return value;
        }

        return part.ValueKind == JsonValueKind.Array && index < part.GetArrayLength() ? part[index] : null;
    }

    /// <summary>
    /// Reads every row of a list method in the fewest requests: the first page directly, the rest
    /// 50 pages to a batch. Rows come back in the method's order, each id once. A portal that ignores
    /// <c>start</c> (the same rows again) ends the read; one that pages past
    /// <see cref="Bitrix24Options.MaxRowsPerRead"/> rows or <see cref="Bitrix24Options.MaxReadTime"/> is stopped
    /// with <see cref="Bitrix24ReadLimitException"/>, so no portal can hold the app's memory or time.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> ReadAllAsync(Bitrix24Account account, string method, JsonObject? parameters, Bitrix24Paging paging, CancellationToken ct = default) =>
        (await ReadAllAsync(account, method, parameters, paging, [], ct)).Rows;

    /// <summary>
    /// The same paged read, with other commands riding in its first batch (the list a page shows
    /// beside its items, say), so that a page costs as few requests as batch allows.
    /// </summary>
    public Task<PagedRead> ReadAllAsync(Bitrix24Account account, string method, JsonObject? parameters, Bitrix24Paging paging, IReadOnlyList<BatchCommand> companions, CancellationToken ct = default)
        => WithinReadTimeAsync(method, deadline => ReadPagesAsync(account, method, parameters, paging, companions, NewRows(method, parameters), deadline), ct);

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

    async Task<PagedRead> ReadPagesAsync(Bitrix24Account account, string method, JsonObject? parameters, Bitrix24Paging paging, IReadOnlyList<BatchCommand> companions, PagedRows rows, CancellationToken ct)
    {
        BatchResult first;
        IReadOnlyList<BatchResult> companionResults = [];
        IReadOnlyList<BatchResult> firstBatch = [];
        if (companions.Count == 0)
        {
            try
            {
                var answer = await CallAsync(account, method, WithStart(parameters, 0), repeatable: true, ct);
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
            // time, counted per method), is not asked for forty times over on every view.
            var pages = paging == Bitrix24Paging.TotalAndNext ? 1 : Math.Min(FirstBatchPages, MaxBatchCommands - companions.Count);
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

        await ReadPagesFromAsync(account, method, parameters, paging, rows, next, firstBatch.Count == 0 && firstPage.Count < PageSize ? 4 : MaxBatchCommands, ct);
        return rows.Read(companionResults);
    }

    /// <summary>Pages from <paramref name="next"/> on, 50 to a batch (the first batch <paramref name="pagesPerBatch"/>), until the list ends.</summary>
    async Task ReadPagesFromAsync(Bitrix24Account account, string method, JsonObject? parameters, Bitrix24Paging paging, PagedRows rows, int next, int pagesPerBatch, CancellationToken ct)
    {
        while (true)
        {
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
                await ReadPagesFromAsync(account, method, parameters, paging, rows, PageSize, MaxBatchCommands, deadline);
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

        public PagedRead Read(IReadOnlyList<BatchResult> companions) => new(All, companions, !_gap);

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
                var id = row.ValueKind == JsonValueKind.Object ? Bitrix24OAuthClient.String(row, "ID") : null;
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

    static List<JsonElement> Rows(JsonElement? result) =>
        result is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().Select(e => e.Clone()).ToList() : [];
}
