using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Rest;

/// <summary>
/// The front door of a portal: <c>/rest/{method}</c> with Bitrix24's order of checks
/// (domain, portal state, limit, auth, faults, operating limit, method, scope).
/// </summary>
public sealed partial class PortalRequestHandler(Emulator emulator, PortalPage page, ILogger<PortalRequestHandler> logger)
{
    public const int MaxBatchCommands = 50;

    static readonly Dictionary<string, RestMethod> Methods = CreateMethods();

    // Like PHP's json_encode with JSON_UNESCAPED_UNICODE: phone numbers keep their "+".
    static readonly JsonSerializerOptions AnswerJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static Dictionary<string, RestMethod> CreateMethods()
    {
        var methods = new Dictionary<string, RestMethod>(StringComparer.OrdinalIgnoreCase);
        CommonMethods.Register(methods);
        CrmMethods.Register(methods);
        CallListMethods.Register(methods);
        return methods;
    }

    public async Task HandleAsync(HttpContext context, Portal portal, string hostDomain)
    {
        var arrived = emulator.Time.GetUtcNow();
        // The front web server merges slashes: /rest//profile is /rest/profile.
        var path = System.Text.RegularExpressions.Regex.Replace(context.Request.Path.Value ?? "/", "/{2,}", "/");

        string currentDomain;
        lock (portal.Sync)
        {
            currentDomain = portal.Domain;
        }

        if (hostDomain.Length > 0 && hostDomain != currentDomain)
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = $"http://{currentDomain}{path}{context.Request.QueryString}";
            return;
        }

        if (!path.StartsWith("/rest/", StringComparison.Ordinal))
        {
            await page.HandleAsync(context, portal, path);
            return;
        }

        // A frame client calls REST from the app's own origin (b24jssdk does): the portal allows it.
        context.Response.Headers.AccessControlAllowOrigin = "*";
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            context.Response.Headers.AccessControlAllowMethods = "GET, POST, OPTIONS";
            context.Response.Headers.AccessControlAllowHeaders = "Content-Type, Authorization";
            context.Response.Headers.AccessControlMaxAge = "86400";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        var method = path["/rest/".Length..].Trim('/');
        if (method.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            method = method[..^".json".Length];
        }

        method = method.ToLowerInvariant();
        JsonObject parameters;
        try
        {
            parameters = await ReadParametersAsync(context.Request);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or FormatException or BadHttpRequestException)
        {
            await WriteErrorAsync(context, portal, method, null, null, new RestError(400, "INVALID_REQUEST", "Request body is malformed"), arrived);
            return;
        }

        var token = RestCall.AsString(parameters["auth"]) ?? BearerToken(context.Request);
        parameters.Remove("auth");
        var logged = parameters.DeepClone();

        try
        {
            var (result, grant, user) = await ExecuteAsync(context, portal, method, token, parameters, arrived);
            await WriteJsonAsync(context, 200, result);
            Log(portal, new RequestLogEntry(method, logged, user?.Id ?? grant?.UserId, 200, null, false, arrived));
        }
        catch (RestError error)
        {
            var userId = emulator.FindByAccessToken(token) is { } g && g.Portal == portal ? g.UserId : (int?)null;
            await WriteErrorAsync(context, portal, method, logged, userId, error, arrived);
        }
        catch (RawAnswer raw)
        {
            context.Response.StatusCode = raw.Status;
            context.Response.ContentType = "text/html; charset=utf-8";
            if (raw.Location is not null)
            {
                context.Response.Headers.Location = raw.Location;
            }

            await context.Response.WriteAsync(raw.Body);
            Log(portal, new RequestLogEntry(method, logged, null, raw.Status, "RAW_BODY", false, arrived));
        }
        catch (Exception e) when (e is not ConnectionDropped and not OperationCanceledException)
        {
            // A bug in the emulator answers like a real portal's internal error, and says so in the log.
            logger.LogError(e, "Portal {Domain}: {Method} failed", hostDomain, method);
            await WriteErrorAsync(context, portal, method, logged, null, new RestError(500, "INTERNAL_SERVER_ERROR", "Internal server error"), arrived);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller gave up while the portal was still working: nginx logs this as 499.
            Log(portal, new RequestLogEntry(method, logged, null, 499, "CLIENT_CLOSED_REQUEST", false, arrived));
        }
        catch (ConnectionDropped)
        {
            Log(portal, new RequestLogEntry(method, logged, null, 0, "CONNECTION_DROPPED", false, arrived));
            context.Abort();
        }
    }

    async Task<(JsonObject Answer, TokenGrant? Grant, PortalUser? User)> ExecuteAsync(HttpContext context, Portal portal, string method, string? token, JsonObject parameters, DateTimeOffset arrived)
    {
        if (portal.Deleted)
        {
            throw new RestError(403, "PORTAL_DELETED", "Portal was deleted");
        }

        if (!portal.Bucket.TryAdd())
        {
            throw new RestError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests");
        }

        var (grant, user) = Authenticate(portal, token);
        var fault = portal.Faults.Take(method);
        if (fault is not { Mode: FaultMode.CommitThenDrop or FaultMode.CommitThenHang })
        {
            await ApplyFaultAsync(fault, context.RequestAborted);
        }

        var started = emulator.Time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        JsonObject answer;
        if (method == "batch")
        {
            answer = Batch(portal, user, grant, parameters, arrived);
        }
        else
        {
            var result = Invoke(portal, user, grant, method, parameters);
            answer = new JsonObject { ["result"] = result.Result };
            if (result.Total is not null)
            {
                answer["total"] = result.Total;
            }

            if (result.Next is not null)
            {
                answer["next"] = result.Next;
            }
        }

        answer["time"] = TimeObject(portal, method, started, stopwatch.Elapsed);
        if (fault is { Mode: FaultMode.CommitThenDrop })
        {
            throw new ConnectionDropped();
        }

        if (fault is { Mode: FaultMode.CommitThenHang })
        {
            // The change is made; the answer never comes before the caller gives up (or the front end cuts it).
            await Task.Delay(TimeSpan.FromSeconds(emulator.Options.RequestTimeLimitSeconds), context.RequestAborted);
            throw new RestError(504, "GATEWAY_TIMEOUT", "The request took longer than the time limit");
        }

        return (answer, grant, user);
    }

    (TokenGrant Grant, PortalUser User) Authenticate(Portal portal, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw new RestError(401, "NO_AUTH_FOUND", "Wrong authorization data");
        }

        var grant = emulator.FindByAccessToken(token);
        if (grant is null || grant.Portal != portal || grant.ClientId != portal.App.ClientId)
        {
            throw new RestError(401, "invalid_token", "Unable to get application by token");
        }

        if (grant.IsExpired(emulator.Time.GetUtcNow()))
        {
            throw new RestError(401, "expired_token", "The access token provided has expired.");
        }

        if (portal.App.Deleted || portal.App.Uninstalled)
        {
            throw new RestError(401, "invalid_token", "Application not installed");
        }

        if (portal.App.PaymentRequired)
        {
            throw new RestError(402, "PAYMENT_REQUIRED", "Payment required");
        }

        var user = portal.FindUser(grant.UserId) ?? throw new RestError(401, "invalid_token", "Unable to get application by token");
        return (grant, user);
    }

    async Task ApplyFaultAsync(Fault? fault, CancellationToken aborted)
    {
        if (fault is null)
        {
            return;
        }

        switch (fault.Mode)
        {
            case FaultMode.Drop:
                throw new ConnectionDropped();
            case FaultMode.Hang:
                var limit = TimeSpan.FromSeconds(emulator.Options.RequestTimeLimitSeconds);
                await Task.Delay(fault.Delay < limit ? fault.Delay : limit, aborted);
                if (fault.Delay >= limit)
                {
                    throw new RestError(504, "GATEWAY_TIMEOUT", "The request took longer than the time limit");
                }

                break;
        }

        if (fault.RawBody is not null)
        {
            throw new RawAnswer(fault.Status, fault.RawBody, fault.Location);
        }

        if (fault.Error is not null)
        {
            throw new RestError(fault.Status, fault.Error, fault.ErrorDescription ?? fault.Error);
        }
    }

    RestResult Invoke(Portal portal, PortalUser user, TokenGrant grant, string method, JsonObject parameters)
    {
        if (!Methods.TryGetValue(method, out var definition))
        {
            throw new RestError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!");
        }

        if (definition.Scope is not null && !portal.App.Scope.Split(',').Contains(definition.Scope))
        {
            throw new RestError(403, "insufficient_scope", "The request requires higher privileges than provided by the access token");
        }

        var (used, resetAt) = portal.Operating.Read(method);
        if (used >= portal.Operating.LimitSeconds)
        {
            throw new RestError(429, "OPERATION_TIME_LIMIT", $"Method is blocked due to operation time limit. Reset at {resetAt.ToUnixTimeSeconds()}");
        }

        var stopwatch = Stopwatch.StartNew();
        try
        {
            lock (portal.Sync)
            {
                return definition.Handler(new RestCall(portal, user, grant, parameters, emulator.Time));
            }
        }
        finally
        {
            portal.Operating.Add(method, stopwatch.Elapsed.TotalSeconds);
        }
    }

    static async Task<JsonObject> ReadParametersAsync(HttpRequest request)
    {
        var parameters = PhpQuery.Decode(request.Query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))));
        JsonObject? body = null;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            body = PhpQuery.Decode(form.SelectMany(f => f.Value.Select(v => KeyValuePair.Create(f.Key, v ?? ""))));
        }
        else if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            using var reader = new StreamReader(request.Body);
            var text = await reader.ReadToEndAsync();
            if (text.Trim().Length > 0)
            {
                body = JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException("JSON body is not an object");
            }
        }

        foreach (var (key, value) in body ?? [])
        {
            parameters[key] = value?.DeepClone();
        }

        return parameters;
    }

    static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    async Task WriteErrorAsync(HttpContext context, Portal portal, string method, JsonNode? parameters, int? userId, RestError error, DateTimeOffset arrived)
    {
        await WriteJsonAsync(context, error.Status, new JsonObject { ["error"] = error.Code, ["error_description"] = error.Description });
        Log(portal, new RequestLogEntry(method, parameters, userId, error.Status, error.Code, false, arrived));
    }

    static async Task WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(AnswerJson));
    }

    static void Log(Portal portal, RequestLogEntry entry)
    {
        lock (portal.Sync)
        {
            portal.RequestLog.Add(entry);
        }
    }

    sealed class ConnectionDropped : Exception;

    sealed class RawAnswer(int status, string body, string? location) : Exception
    {
        public int Status { get; } = status;
        public string Body { get; } = body;
        public string? Location { get; } = location;
    }
}
