using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>What a portal POSTs to the app: the installer page, an open (with a placement), and the app events.</summary>
public static partial class ControlEndpoints
{
    /// <summary>The installer POST, as the portal's iframe would send it, performed from the server.</summary>
    static Task<IResult> Install(HttpRequest request, Emulator emulator, IHttpClientFactory http, CancellationToken ct) =>
        PostAppPage(request, emulator, http, install: true, ct);

    static Task<IResult> Open(HttpRequest request, Emulator emulator, IHttpClientFactory http, CancellationToken ct) =>
        PostAppPage(request, emulator, http, install: false, ct);

    static Task<IResult> PostAppPage(HttpRequest request, Emulator emulator, IHttpClientFactory http, bool install, CancellationToken ct) => Guard(async () =>
    {
        var portal = PortalOf(request.HttpContext);

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
    static Task<IResult> SendEvent(HttpRequest request, Emulator emulator, IHttpClientFactory http, CancellationToken ct) => Guard(async () =>
    {
        var portal = PortalOf(request.HttpContext);

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
}
