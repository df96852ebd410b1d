using Microsoft.Extensions.Options;

namespace B24CallListApp.Bitrix24;

/// <summary>What the HTTP pipeline needs to know about a Bitrix24 call, carried on the request.</summary>
static class Bitrix24Request
{
    public static readonly HttpRequestOptionsKey<string> Portal = new("Bitrix24.Portal");
    public static readonly HttpRequestOptionsKey<string> Method = new("Bitrix24.Method");
    public static readonly HttpRequestOptionsKey<bool> Repeatable = new("Bitrix24.Repeatable");

    /// <summary>How long each attempt may wait for the portal's limit before it is given up unsent.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> StartWithin = new("Bitrix24.StartWithin");
}

/// <summary>
/// Which calls may be sent twice. Reads and <c>crm.calllist.update</c> (a set replacement) may;
/// creates and everything else may not, so a retry can never make a duplicate.
/// </summary>
public static class Bitrix24Methods
{
    static readonly HashSet<string> Repeatable = new(StringComparer.OrdinalIgnoreCase)
    {
        "profile", "user.current", "app.info", "scope", "methods", "crm.calllist.update", "crm.duplicate.findbycomm",
    };

    /// <summary>
    /// The fields of a paged read's rows that the app keeps: those its <c>select</c> names, or for a method
    /// without one, those the app uses. Anything else a portal sends is dropped as the rows are read.
    /// </summary>
    public static IReadOnlyList<string>? RowFields(string method, System.Text.Json.Nodes.JsonObject? parameters)
    {
        var select = parameters?.FirstOrDefault(p => p.Key.Equals("select", StringComparison.OrdinalIgnoreCase)).Value as System.Text.Json.Nodes.JsonArray;
        if (select is { Count: > 0 })
        {
            return select.Select(f => f?.ToString()).OfType<string>().Append("ID").Distinct(StringComparer.Ordinal).ToList();
        }

        return method.ToLowerInvariant() switch
        {
            "crm.calllist.items.get" => ["ID", "STATUS"],
            "crm.calllist.list" => ["ID", "DATE_CREATE", "CREATED_BY_ID", "WEBFORM_ID", "ENTITY_TYPE_ID", "ENTITY_TYPE"],
            "crm.status.list" => ["ID", "STATUS_ID", "NAME", "SORT"],
            "user.get" => ["ID", "NAME", "LAST_NAME"],
            _ => null,
        };
    }

    /// <summary>A batch may be sent twice only when each of its commands may.</summary>
    public static bool IsRepeatable(IEnumerable<BatchCommand> commands) => commands.All(c => IsRepeatable(c.Method));

    public static bool IsRepeatable(string method) =>
        Repeatable.Contains(method)
        || method.EndsWith(".list", StringComparison.OrdinalIgnoreCase)
        || method.EndsWith(".get", StringComparison.OrdinalIgnoreCase)
        || method.EndsWith(".statuslist", StringComparison.OrdinalIgnoreCase)
        || method.EndsWith(".fields", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The innermost step before the network: waits for the portal's rate limiter, bounds the attempt
/// by <see cref="Bitrix24Options.RequestTimeout"/>, and tells the limiter what the portal answered.
/// Each retry passes here again, so retries spend the portal's budget too.
/// </summary>
sealed class PortalLimitHandler(PortalRateLimiter limiter, Bitrix24Metrics metrics, TimeProvider time, IOptions<Bitrix24Options> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        request.Options.TryGetValue(Bitrix24Request.Portal, out var portal);
        request.Options.TryGetValue(Bitrix24Request.Method, out var method);
        portal ??= request.RequestUri?.Authority ?? "";
        method ??= "";
        var queued = time.GetTimestamp();
        if (request.Options.TryGetValue(Bitrix24Request.StartWithin, out var startWithin))
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(startWithin);
            try
            {
                await limiter.AcquireAsync(portal, method, wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new Bitrix24NotSentException(method);
            }
        }
        else
        {
            await limiter.AcquireAsync(portal, method, ct);
        }

        metrics.LimiterWaited(time.GetElapsedTime(queued));
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(options.Value.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            using var onTheWire = PortalTime.Send();
            response = await base.SendAsync(request, attempt.Token);
            await BufferAsync(response, method, options.Value.MaxResponseBytes, attempt.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            metrics.Request(method, "timeout");
            throw new Bitrix24TimeoutException(method, e);
        }
        catch (Exception e) when (e is HttpRequestException or Bitrix24ResponseTooLargeException)
        {
            metrics.Request(method, e is HttpRequestException ? "connection" : "too_large");
            throw;
        }

        metrics.Request(method, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if ((int)response.StatusCode == 503 && (await response.Content.ReadAsStringAsync(ct)).Contains("QUERY_LIMIT_EXCEEDED", StringComparison.Ordinal))
        {
            metrics.LimitExceeded();
            await limiter.OnLimitExceededAsync(portal);
        }
        else if (response.IsSuccessStatusCode)
        {
            limiter.OnSuccess(portal);
        }

        return response;
    }

    /// <summary>Reads the whole answer into memory, but never more than <paramref name="maxBytes"/>: a hostile portal cannot exhaust memory.</summary>
    static async Task BufferAsync(HttpResponseMessage response, string method, long maxBytes, CancellationToken ct)
    {
        try
        {
            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw new Bitrix24ResponseTooLargeException(method, maxBytes);
            }

            await using var source = await response.Content.ReadAsStreamAsync(ct);
            // Sized to the announced length when there is one, so that a large answer is not copied while it grows.
            var buffer = new MemoryStream((int)Math.Min(response.Content.Headers.ContentLength ?? 0, maxBytes));
            var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await source.ReadAsync(chunk, ct)) > 0)
                {
                    if (buffer.Length + read > maxBytes)
                    {
                        throw new Bitrix24ResponseTooLargeException(method, maxBytes);
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
            }

            var content = new PortalAnswerContent(buffer.GetBuffer(), (int)buffer.Length);
            foreach (var header in response.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content.Dispose();
            response.Content = content;
        }
        catch (IOException e)
        {
            response.Dispose();
            // A connection dropped mid-answer is a connection failure, like one dropped before it.
            throw new HttpRequestException(HttpRequestError.ResponseEnded, e.Message, e);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}

/// <summary>A portal's answer read into memory by <see cref="PortalLimitHandler"/>; its bytes are parsed where they lie.</summary>
sealed class PortalAnswerContent : ByteArrayContent
{
    readonly ReadOnlyMemory<byte> _body;

    public PortalAnswerContent(byte[] buffer, int length)
        : base(buffer, 0, length) => _body = new ReadOnlyMemory<byte>(buffer, 0, length);

    /// <summary>The body as UTF-8 (Bitrix24 answers JSON in UTF-8), without a byte order mark; null when it declares another charset.</summary>
    public ReadOnlyMemory<byte>? Utf8 =>
        Headers.ContentType?.CharSet is { } charset && !charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            ? null
            : _body.Span.StartsWith("\uFEFF"u8) ? _body[3..] : _body;
}
