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
/// <param name="PagesToEnd">The pages another read of the same list would ask for to see its end: every page up to
/// the last that held rows, and the one after it.</param>
public sealed record PagedRead(IReadOnlyList<JsonElement> Rows, IReadOnlyList<BatchResult> Companions, bool Gapless = true, int PagesToEnd = 1);

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
public sealed partial class Bitrix24Client(HttpClient http, AccountTokens tokens, PortalRateLimiter limiter, Bitrix24OAuthClient oauth, PortalAddressPolicy addresses,
    IBitrix24PortalStore portals, IOptions<Bitrix24Options> options)
{
    public const int PageSize = 50;

    /// <summary>The furthest page a list method's <c>start</c> (a 32-bit number) can reach: a page number past it is read as this one.</summary>
    public const int LastReachablePage = int.MaxValue / PageSize;
    public const int MaxBatchCommands = 50;

    /// <summary>Pages a read asks for beside its companions, before it knows how long the list is.</summary>
    const int FirstBatchPages = 10;

    /// <summary>A typed call (<see cref="Bitrix24Call"/>).</summary>
    /// <param name="startWithin">How long each attempt may wait for the portal's limit; past it the call is not sent (<see cref="Bitrix24NotSentException"/>).</param>
    public Task<Bitrix24Response> CallAsync(Bitrix24Account account, Bitrix24Call call, CancellationToken ct, TimeSpan? startWithin = null) =>
        CallAsync(account, call.Method, call.Parameters(), startWithin, ct);

    /// <summary>One call, repeated after a failure only where <see cref="Bitrix24Methods.IsRepeatable"/> says repeating is safe.</summary>
    public Task<Bitrix24Response> CallAsync(Bitrix24Account account, string method, object? parameters, CancellationToken ct = default) =>
        CallAsync(account, method, parameters as JsonObject ?? JsonSerializer.SerializeToNode(parameters) as JsonObject, startWithin: null, ct);

    /// <param name="startWithin">How long each attempt may wait for the portal's limit; past it the call is not sent (<see cref="Bitrix24NotSentException"/>).</param>
    public Task<Bitrix24Response> CallAsync(Bitrix24Account account, string method, JsonObject? parameters, TimeSpan? startWithin, CancellationToken ct) =>
        CallAsync(account, method, parameters, Bitrix24Methods.IsRepeatable(method), startWithin, ct);

    async Task<Bitrix24Response> CallAsync(Bitrix24Account account, string method, JsonObject? parameters, bool repeatable, TimeSpan? startWithin, CancellationToken ct)
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
    public Task<Bitrix24Response> CallWithAccessTokenAsync(Uri clientEndpoint, string memberId, string accessToken, Bitrix24Call call, CancellationToken ct = default)
    {
        var (method, body) = (call.Method, call.Parameters());
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
            if (Bitrix24Json.String(root, "error") is { } code)
            {
                var error = ToException(method, code, Bitrix24Json.String(root, "error_description") ?? code, (int)response.StatusCode);
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
            var resetAt = Bitrix24Json.Number(time, "operating_reset_at") is { } unix ? DateTimeOffset.FromUnixTimeSeconds(unix) : (DateTimeOffset?)null;
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

    static int? Int(JsonElement element, string name) => (int?)Bitrix24Json.Number(element, name);

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

            var response = await CallAsync(account, "batch", new JsonObject { ["halt"] = halt ? 1 : 0, ["cmd"] = cmd }, Bitrix24Methods.IsRepeatable(chunk), startWithin: null, ct);
            var answer = response.Result;
            for (var i = 0; i < chunk.Length; i++)
            {
                var key = Key(i);
                var error = Entry(answer, "result_error", key, i);
                if (error is { ValueKind: JsonValueKind.Object } e)
                {
                    var code = Bitrix24Json.String(e, "error") ?? "UNKNOWN";
                    results.Add(new BatchResult(null, null, null, ToException(chunk[i].Method, code, Bitrix24Json.String(e, "error_description") ?? code, StatusOf(code))));
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
}
