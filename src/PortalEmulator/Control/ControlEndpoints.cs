using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>
/// <c>/_emulator/</c>: the JSON control API that tests, the demo and acceptance runs use
/// (a contract, see DESIGN.md). Bad input answers 400 <c>{"error": "..."}</c>.
/// </summary>
public static class ControlEndpoints
{
    public static void MapEmulatorControl(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup("/_emulator");
        control.MapPost("/portals", CreatePortal);
        control.MapGet("/portals/{memberId}", GetPortal);
        control.MapPost("/portals/{memberId}/users/{userId}/tokens", IssueTokens);
        control.MapPost("/portals/{memberId}/users/{userId}", UserRights.ChangeAsync);
        control.MapPost("/tokens/expire", ExpireToken);
        // Every access token issued so far expires at once (load runs: each account's next call must refresh).
        control.MapPost("/tokens/expire-all", (Emulator emulator) =>
        {
            var grants = emulator.IssuedGrants();
            foreach (var grant in grants)
            {
                grant.ForcedExpired = true;
            }

            return Results.Json(new { expired = grants.Count });
        });
        control.MapPost("/portals/{memberId}/faults", AddFault);
        control.MapDelete("/portals/{memberId}/faults", ClearFaults);
        control.MapGet("/portals/{memberId}/requests", PortalRequests);
        control.MapGet("/oauth/requests", (Emulator emulator) => Results.Json(emulator.OAuthLog().Select(e => new
        {
            path = e.Path,
            grantType = e.GrantType,
            clientId = e.ClientId,
            status = e.Status,
            error = e.Error,
        })));
        control.MapPost("/oauth/faults", AddOAuthFault);
        control.MapGet("/secrets", (Emulator emulator) => Results.Json(new
        {
            tokens = emulator.IssuedGrants().SelectMany(g => new[] { g.AccessToken, g.RefreshToken }),
            applicationTokens = emulator.Portals().SelectMany(p => { lock (p.Sync) { return p.App.ApplicationTokenHistory.ToList(); } }),
            clientSecrets = emulator.Portals().Select(p => p.App.ClientSecret).Distinct(),
        }));
        control.MapPost("/portals/{memberId}/quirks", SetQuirks);
        control.MapPost("/portals/{memberId}/limits", SetLimits);
        control.MapPost("/portals/{memberId}/load", ExternalLoad);
        control.MapPost("/portals/{memberId}/operating", AddOperatingTime);
        control.MapPost("/portals/{memberId}/delete", DeletePortal);
        control.MapPost("/portals/{memberId}/move", MovePortal);
        control.MapPost("/portals/{memberId}/app", UpdateApp);
        control.MapPost("/portals/{memberId}/install", Install);
        control.MapPost("/portals/{memberId}/open", Open);
        control.MapPost("/portals/{memberId}/events", SendEvent);
        control.MapPost("/portals/{memberId}/contacts", AddContacts);
        control.MapPost("/portals/{memberId}/calllists", AddCallList);
    }

    internal sealed class BadRequest(string message) : Exception(message);

    internal static IResult Bad(string message) => Results.Json(new { error = message }, statusCode: 400);

    internal static IResult NotFound(string what) => Results.Json(new { error = what + " not found" }, statusCode: 404);

    internal static async Task<JsonObject> BodyAsync(HttpRequest request)
    {
        try
        {
            var node = await JsonNode.ParseAsync(request.Body);
            return node as JsonObject ?? throw new BadRequest("the body must be a JSON object");
        }
        catch (JsonException)
        {
            throw new BadRequest("the body is not valid JSON");
        }
    }

    internal static string? OptionalString(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new BadRequest($"'{name}' must be a string"),
    };

    static string RequiredString(JsonObject body, string name) =>
        OptionalString(body, name) is { Length: > 0 } s ? s : throw new BadRequest($"'{name}' is required");

    static double? OptionalNumber(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        _ => throw new BadRequest($"'{name}' must be a number"),
    };

    internal static bool? OptionalBool(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw new BadRequest($"'{name}' must be true or false"),
    };

    internal static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (BadRequest e)
        {
            return Bad(e.Message);
        }
    }

    static Task<IResult> CreatePortal(HttpRequest request, Emulator emulator, CancellationToken ct) => Guard(async () =>
    {
        var body = await BodyAsync(request);
        var clientId = RequiredString(body, "clientId");
        var clientSecret = RequiredString(body, "clientSecret");
        var seed = OptionalString(body, "seed") ?? "demo";
        if (seed is not ("demo" or "empty"))
        {
            throw new BadRequest("'seed' must be \"demo\" or \"empty\"");
        }

        var language = OptionalString(body, "language") ?? "en";
        var portal = await emulator.CreatePortalAsync(clientId, clientSecret, seed, language, ct);
        ApplyAppSettings(portal, body);
        var users = portal.Users.Select(u =>
        {
            var grant = emulator.IssueTokens(portal, u.Id);
            return new { id = u.Id, admin = u.Admin, accessToken = grant.AccessToken, refreshToken = grant.RefreshToken };
        }).ToList();
        return Results.Json(new
        {
            memberId = portal.MemberId,
            domain = portal.Domain,
            clientEndpoint = portal.ClientEndpoint,
            oauthServer = emulator.OAuthServer,
            applicationToken = portal.App.ApplicationToken,
            users,
        });
    });

    static void ApplyAppSettings(Portal portal, JsonObject body)
    {
        lock (portal.Sync)
        {
            portal.App.HandlerUrl = OptionalString(body, "handlerUrl") ?? portal.App.HandlerUrl;
            portal.App.InstallUrl = OptionalString(body, "installUrl") ?? portal.App.InstallUrl;
            portal.App.EventHandlerUrl = OptionalString(body, "eventHandlerUrl") ?? portal.App.EventHandlerUrl;
            portal.App.Scope = OptionalString(body, "scope") ?? portal.App.Scope;
            portal.App.Deleted = OptionalBool(body, "deleted") ?? portal.App.Deleted;
            portal.App.Uninstalled = OptionalBool(body, "uninstalled") ?? portal.App.Uninstalled;
            portal.App.PaymentRequired = OptionalBool(body, "paymentRequired") ?? portal.App.PaymentRequired;
            portal.App.InstallFinished = OptionalBool(body, "installFinished") ?? portal.App.InstallFinished;
        }
    }

    static IResult GetPortal(string memberId, Emulator emulator)
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        lock (portal.Sync)
        {
            return Results.Json(new
            {
                memberId = portal.MemberId,
                domain = portal.Domain,
                clientEndpoint = portal.ClientEndpoint,
                deleted = portal.Deleted,
                app = new
                {
                    clientId = portal.App.ClientId,
                    installFinished = portal.App.InstallFinished,
                    handlerUrl = portal.App.HandlerUrl,
                    installUrl = portal.App.InstallUrl,
                    deleted = portal.App.Deleted,
                    uninstalled = portal.App.Uninstalled,
                    paymentRequired = portal.App.PaymentRequired,
                    scope = portal.App.Scope,
                },
                users = portal.Users.Select(u => new { id = u.Id, admin = u.Admin, crmRead = UserRights.CrmRead(u), name = u.Name, lastName = u.LastName }),
                placements = portal.Placements.Select(p => new { placement = p.Placement, handler = p.Handler, title = p.Title }),
                webForms = portal.WebForms.Select(f => new { id = f.Id, name = f.Name, active = f.Active }),
                callLists = portal.CallLists.Values.OrderBy(l => l.Id).Select(l => new
                {
                    id = l.Id,
                    entityType = l.EntityTypeId == CrmEntity.ContactType ? "CONTACT" : "COMPANY",
                    createdById = l.CreatedById,
                    webFormId = l.WebFormId,
                    items = l.Items.Select(i => new { entityId = i.EntityId, status = i.Status }),
                }),
                contacts = portal.Contacts.Count,
                companies = portal.Companies.Count,
            });
        }
    }

    static IResult IssueTokens(string memberId, int userId, Emulator emulator)
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        if (portal.FindUser(userId) is null)
        {
            return NotFound("user");
        }

        var grant = emulator.IssueTokens(portal, userId);
        return Results.Json(new { accessToken = grant.AccessToken, refreshToken = grant.RefreshToken, expiresIn = emulator.Options.AccessTokenLifetimeSeconds });
    }

    static Task<IResult> ExpireToken(HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        var body = await BodyAsync(request);
        var token = RequiredString(body, "accessToken");
        if (emulator.FindByAccessToken(token) is not { } grant)
        {
            return NotFound("access token");
        }

        grant.ForcedExpired = true;
        return Results.NoContent();
    });

    static Task<IResult> AddFault(string memberId, HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        var body = await BodyAsync(request);
        var method = RequiredString(body, "method").ToLowerInvariant();
        var count = OptionalNumber(body, "count") ?? 1;
        var share = OptionalNumber(body, "share") ?? 0;
        if (count < 1 && share <= 0)
        {
            throw new BadRequest("'count' must be at least 1, or 'share' above 0");
        }

        if (share is < 0 or > 1)
        {
            throw new BadRequest("'share' must be between 0 and 1");
        }

        var mode = (OptionalString(body, "mode") ?? "error") switch
        {
            "error" => FaultMode.Error,
            "hang" => FaultMode.Hang,
            "drop" => FaultMode.Drop,
            "commitThenDrop" => FaultMode.CommitThenDrop,
            "commitThenHang" => FaultMode.CommitThenHang,
            _ => throw new BadRequest("'mode' must be error, hang, drop, commitThenDrop or commitThenHang"),
        };
        var error = OptionalString(body, "error");
        var status = (int)(OptionalNumber(body, "status") ?? (error is null ? 0 : 500));
        if (mode == FaultMode.Error && error is null && OptionalString(body, "rawBody") is null)
        {
            throw new BadRequest("'error' (or 'rawBody') is required for mode error");
        }

        if (OptionalString(body, "rawBody") is not null && status == 0)
        {
            status = 500;
        }

        if (error is not null && status is < 200 or > 599)
        {
            throw new BadRequest("'status' must be an HTTP status");
        }

        portal.Faults.Add(new Fault
        {
            Method = method,
            Remaining = (int)count,
            Skip = (int)(OptionalNumber(body, "skip") ?? 0),
            Share = share,
            Mode = mode,
            Status = status,
            Error = error,
            ErrorDescription = OptionalString(body, "errorDescription"),
            Delay = TimeSpan.FromMilliseconds(OptionalNumber(body, "delayMs") ?? 120_000),
            RawBody = OptionalString(body, "rawBody"),
            Location = OptionalString(body, "location"),
        });
        return Results.NoContent();
    });

    /// <summary>The OAuth server's next <c>count</c> answers on <c>path</c> (token or app.info) come late, or as an error.</summary>
    static Task<IResult> AddOAuthFault(HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        var body = await BodyAsync(request);
        var path = RequiredString(body, "path");
        if (path is not ("token" or "app.info"))
        {
            throw new BadRequest("'path' must be token or app.info");
        }

        var count = OptionalNumber(body, "count") ?? 1;
        var delay = OptionalNumber(body, "delayMs") ?? 0;
        var error = OptionalString(body, "error");
        // "hang" (the default): late before anything happens; "commitThenHang": the grant is made, then its answer is late.
        var mode = (OptionalString(body, "mode") ?? "hang") switch
        {
            "hang" => FaultMode.Hang,
            "commitThenHang" when error is null => FaultMode.CommitThenHang,
            _ => throw new BadRequest("'mode' must be hang or commitThenHang (which takes no 'error')"),
        };
        if (count < 1 || delay < 0 || (error is null && delay == 0))
        {
            throw new BadRequest("'count' must be at least 1, and a fault needs 'delayMs' above 0 or an 'error'");
        }

        emulator.OAuthFaults.Add(new Fault
        {
            Method = path,
            Remaining = (int)count,
            Mode = mode,
            Delay = TimeSpan.FromMilliseconds(delay),
            Error = error,
            Status = (int)(OptionalNumber(body, "status") ?? 400),
            ErrorDescription = OptionalString(body, "errorDescription"),
        });
        return Results.NoContent();
    });

    static Task<IResult> SetQuirks(string memberId, HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        var body = await BodyAsync(request);
        portal.Quirks.IgnoreStart = OptionalBool(body, "ignoreStart") ?? portal.Quirks.IgnoreStart;
        var pad = OptionalNumber(body, "padRowsBytes");
        if (pad is < 0 or > 1_000_000)
        {
            throw new BadRequest("'padRowsBytes' must be between 0 and 1000000");
        }

        portal.Quirks.PadRowsBytes = (int?)pad ?? portal.Quirks.PadRowsBytes;
        return Results.NoContent();
    });

    static IResult ClearFaults(string memberId, Emulator emulator)
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        portal.Faults.Clear();
        return Results.NoContent();
    }

    static IResult PortalRequests(string memberId, Emulator emulator)
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        lock (portal.Sync)
        {
            return Results.Json(portal.RequestLog.Select(e => new
            {
                method = e.Method,
                @params = e.Params?.DeepClone(),
                userId = e.UserId,
                status = e.Status,
                error = e.Error,
                inBatch = e.InBatch,
                at = e.At.ToUnixTimeMilliseconds(),
            }).ToList());
        }
    }

    static Task<IResult> SetLimits(string memberId, HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        var body = await BodyAsync(request);
        var drain = OptionalNumber(body, "drainPerSecond") ?? portal.Bucket.DrainPerSecond;
        var capacity = OptionalNumber(body, "capacity") ?? portal.Bucket.Capacity;
        if (drain <= 0 || capacity < 1)
        {
            throw new BadRequest("'drainPerSecond' must be above 0 and 'capacity' at least 1");
        }

        portal.Bucket.Configure(drain, capacity);
        if (OptionalNumber(body, "operatingLimitSeconds") is { } operating)
        {
            portal.Operating.LimitSeconds = operating;
        }

        return Results.NoContent();
    });

    /// <summary>
    /// Another app on the same portal spends its rate limit: Bitrix24 counts one bucket per portal (and
    /// address) for every app, so this app may find the bucket fuller than its own limiter thinks.
    /// </summary>
    static Task<IResult> ExternalLoad(string memberId, HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        var body = await BodyAsync(request);
        var requests = (int)(OptionalNumber(body, "requests") ?? throw new BadRequest("'requests' is required"));
        if (requests is < 1 or > 100_000)
        {
            throw new BadRequest("'requests' must be between 1 and 100000");
        }

        var accepted = Enumerable.Range(0, requests).Count(_ => portal.Bucket.TryAdd());
        return Results.Json(new { accepted, rejected = requests - accepted });
    });

    static Task<IResult> AddOperatingTime(string memberId, HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        var body = await BodyAsync(request);
        var method = RequiredString(body, "method").ToLowerInvariant();
        var seconds = OptionalNumber(body, "seconds") ?? throw new BadRequest("'seconds' is required");
        portal.Operating.Add(method, seconds);
        return Results.NoContent();
    });

    static IResult DeletePortal(string memberId, Emulator emulator)
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        lock (portal.Sync)
        {
            portal.Deleted = true;
        }

        return Results.NoContent();
    }

    static async Task<IResult> MovePortal(string memberId, Emulator emulator, CancellationToken ct)
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        await emulator.MoveAsync(portal, ct);
        return Results.Json(new { domain = portal.Domain, clientEndpoint = portal.ClientEndpoint });
    }

    static Task<IResult> UpdateApp(string memberId, HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        var body = await BodyAsync(request);
        ApplyAppSettings(portal, body);
        if (OptionalBool(body, "rotateApplicationToken") == true)
        {
            portal.App.ApplicationToken = Emulator.RandomHex(16);
        }

        return Results.Json(new { applicationToken = portal.App.ApplicationToken });
    });

    /// <summary>The installer POST, as the portal's iframe would send it, performed from the server.</summary>
    static Task<IResult> Install(string memberId, HttpRequest request, Emulator emulator, IHttpClientFactory http, CancellationToken ct) =>
        PostAppPage(memberId, request, emulator, http, install: true, ct);

    static Task<IResult> Open(string memberId, HttpRequest request, Emulator emulator, IHttpClientFactory http, CancellationToken ct) =>
        PostAppPage(memberId, request, emulator, http, install: false, ct);

    static Task<IResult> PostAppPage(string memberId, HttpRequest request, Emulator emulator, IHttpClientFactory http, bool install, CancellationToken ct) => Guard(async () =>
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        var body = await BodyAsync(request);
        var url = OptionalString(body, "url") ?? (install ? portal.App.InstallUrl ?? portal.App.HandlerUrl : portal.App.HandlerUrl)
            ?? throw new BadRequest("'url' is required when the portal has no app URL");
        if (!Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            throw new BadRequest("'url' must be an absolute URL");
        }

        var userId = (int)(OptionalNumber(body, "userId") ?? 1);
        if (portal.FindUser(userId) is null)
        {
            return NotFound("user");
        }

        if (install)
        {
            Reinstall(portal);
        }

        var post = AppFramePost.Create(emulator, portal, userId, url, install, OptionalString(body, "lang") ?? portal.Language,
            OptionalString(body, "placement") ?? "DEFAULT", PlacementOptions(body));
        using var message = new HttpRequestMessage(HttpMethod.Post, post.Url) { Content = new FormUrlEncodedContent(post.Fields) };
        using var response = await http.CreateClient("app").SendAsync(message, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (install && OptionalBool(body, "finish") == true && response.IsSuccessStatusCode)
        {
            lock (portal.Sync)
            {
                portal.App.InstallFinished = true;
            }
        }

        return Results.Json(new
        {
            status = (int)response.StatusCode,
            body = text,
            contentSecurityPolicy = response.Headers.TryGetValues("Content-Security-Policy", out var csp) ? string.Join(", ", csp) : null,
            accessToken = post.Grant.AccessToken,
            refreshToken = post.Grant.RefreshToken,
        });
    });

    /// <summary>
    /// <c>placementOptions</c> in the control body: a string is sent as it is, an object as JSON, null
    /// leaves the field out, and without the key the portal picks the shape an ordinary open has.
    /// </summary>
    static string? PlacementOptions(JsonObject body)
    {
        if (!body.ContainsKey("placementOptions"))
        {
            return AppFramePost.DefaultOptions;
        }

        return body["placementOptions"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonObject or JsonArray => body["placementOptions"]!.ToJsonString(),
            _ => throw new BadRequest("'placementOptions' must be a string, an object, an array or null"),
        };
    }

    /// <summary>An install after an uninstall brings the app back with a new application token, as Bitrix24 does.</summary>
    static void Reinstall(Portal portal)
    {
        lock (portal.Sync)
        {
            if (portal.App.Uninstalled)
            {
                portal.App.Uninstalled = false;
                portal.App.ApplicationToken = Emulator.RandomHex(16);
            }
        }
    }

    /// <summary>Sends ONAPPINSTALL, ONAPPUPDATE or ONAPPUNINSTALL to the app, form-encoded as Bitrix24 does.</summary>
    static Task<IResult> SendEvent(string memberId, HttpRequest request, Emulator emulator, IHttpClientFactory http, CancellationToken ct) => Guard(async () =>
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        var body = await BodyAsync(request);
        var eventName = RequiredString(body, "event").ToUpperInvariant();
        if (eventName is not ("ONAPPINSTALL" or "ONAPPUPDATE" or "ONAPPUNINSTALL"))
        {
            throw new BadRequest("'event' must be ONAPPINSTALL, ONAPPUPDATE or ONAPPUNINSTALL");
        }

        var url = OptionalString(body, "url") ?? portal.App.EventHandlerUrl ?? throw new BadRequest("'url' is required when the portal has no event handler URL");
        if (!Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            throw new BadRequest("'url' must be an absolute URL");
        }

        var userId = (int)(OptionalNumber(body, "userId") ?? 1);
        if (eventName == "ONAPPINSTALL")
        {
            Reinstall(portal);
        }

        var applicationToken = OptionalString(body, "applicationToken") ?? portal.App.ApplicationToken;
        if (eventName == "ONAPPUNINSTALL" && OptionalBool(body, "uninstall") != false)
        {
            // Bitrix24 removes the app, and with it every token of the app, before it tells the app.
            lock (portal.Sync)
            {
                portal.App.Uninstalled = true;
                portal.App.InstallFinished = false;
                portal.Placements.RemoveAll(p => p.ClientId == portal.App.ClientId);
            }
        }
        var now = emulator.Time.GetUtcNow();
        var fields = new List<KeyValuePair<string, string>>
        {
            new("event", eventName),
            new("event_handler_id", "1"),
            new("data[LANGUAGE_ID]", portal.Language),
            new("ts", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            new("auth[domain]", portal.Domain),
            new("auth[server_endpoint]", emulator.OAuthServer + "rest/"),
            new("auth[client_endpoint]", portal.ClientEndpoint),
            new("auth[member_id]", portal.MemberId),
            new("auth[application_token]", applicationToken),
        };
        if (eventName == "ONAPPUNINSTALL")
        {
            fields.Add(new("data[CLEAN]", OptionalBool(body, "clean") == true ? "1" : "0"));
        }
        else if (OptionalBool(body, "withTokens") == false)
        {
            // An event not tied to a user carries no tokens (documented for ONAPPUPDATE).
            fields.AddRange([new("data[VERSION]", "1"), new("data[ACTIVE]", "Y"), new("data[INSTALLED]", "Y")]);
        }
        else
        {
            var grant = emulator.IssueTokens(portal, userId);
            fields.AddRange(
            [
                new("data[VERSION]", "1"),
                new("data[ACTIVE]", "Y"),
                new("data[INSTALLED]", "Y"),
                new("auth[access_token]", grant.AccessToken),
                new("auth[expires]", grant.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
                new("auth[expires_in]", emulator.Options.AccessTokenLifetimeSeconds.ToString(CultureInfo.InvariantCulture)),
                new("auth[scope]", portal.App.Scope),
                new("auth[status]", portal.LicenseStatus),
                new("auth[user_id]", userId.ToString(CultureInfo.InvariantCulture)),
                new("auth[refresh_token]", grant.RefreshToken),
            ]);
        }

        using var response = await http.CreateClient("app").PostAsync(url, new FormUrlEncodedContent(fields), ct);
        return Results.Json(new { status = (int)response.StatusCode, body = await response.Content.ReadAsStringAsync(ct) });
    });

    /// <summary>Adds generated contacts, for tests and benchmarks that need large lists.</summary>
    static Task<IResult> AddContacts(string memberId, HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        var body = await BodyAsync(request);
        var count = (int)(OptionalNumber(body, "count") ?? throw new BadRequest("'count' is required"));
        if (count is < 1 or > 100_000)
        {
            throw new BadRequest("'count' must be between 1 and 100000");
        }

        var assignedById = (int?)OptionalNumber(body, "assignedById");
        var lastName = OptionalString(body, "lastName") ?? "Contact";
        List<int> ids;
        lock (portal.Sync)
        {
            var first = portal.Contacts.Count == 0 ? 1 : portal.Contacts.Keys.Max() + 1;
            ids = Enumerable.Range(first, count).ToList();
            foreach (var id in ids)
            {
                var contact = new CrmEntity
                {
                    EntityTypeId = CrmEntity.ContactType,
                    Id = id,
                    AssignedById = assignedById ?? portal.Users[id % portal.Users.Count].Id,
                    DateCreate = emulator.Time.GetUtcNow().UtcDateTime,
                };
                contact.Fields["NAME"] = "Generated";
                contact.Fields["LAST_NAME"] = lastName + " " + id.ToString(CultureInfo.InvariantCulture);
                portal.Contacts[id] = contact;
            }
        }

        return Results.Json(new { firstId = ids[0], lastId = ids[^1] });
    });

    /// <summary>Creates a call list directly in the portal's data (no REST call is logged).</summary>
    static Task<IResult> AddCallList(string memberId, HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        if (emulator.FindPortal(memberId) is not { } portal)
        {
            return NotFound("portal");
        }

        var body = await BodyAsync(request);
        var type = RequiredString(body, "entityType") switch
        {
            "CONTACT" => CrmEntity.ContactType,
            "COMPANY" => CrmEntity.CompanyType,
            _ => throw new BadRequest("'entityType' must be CONTACT or COMPANY"),
        };
        if (body["entityIds"] is not JsonArray array || array.Count == 0)
        {
            throw new BadRequest("'entityIds' must be a non-empty array of ids");
        }

        var ids = array.Select(n => n is JsonValue v && v.TryGetValue<int>(out var id) ? id : throw new BadRequest("'entityIds' must hold whole numbers")).ToList();
        var webFormId = (int?)OptionalNumber(body, "webFormId");
        var createdById = (int)(OptionalNumber(body, "createdById") ?? 1);
        lock (portal.Sync)
        {
            var entities = portal.EntitiesOf(type);
            if (ids.Any(id => !entities.ContainsKey(id)) || ids.Distinct().Count() != ids.Count)
            {
                throw new BadRequest("'entityIds' must be distinct ids of existing entities");
            }

            var list = DemoSeed.AddCallList(portal, type, createdById, webFormId, ids, emulator.Time.GetUtcNow().UtcDateTime);
            return Results.Json(new { id = list.Id });
        }
    });
}
