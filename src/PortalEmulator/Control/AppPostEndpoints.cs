using System.Text.Json;
using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>What a portal POSTs to the app: the installer page, an open (with a placement), and the app events.</summary>
public static partial class ControlEndpoints
{
    /// <summary>The installer POST, as the portal's iframe would send it, performed from the server.</summary>
    static Task<IResult> Install(AppPageRequest post, HttpContext context, Emulator emulator, IHttpClientFactory http, CancellationToken ct) =>
        PostAppPage(post, context, emulator, http, install: true, ct);

    static Task<IResult> Open(AppPageRequest post, HttpContext context, Emulator emulator, IHttpClientFactory http, CancellationToken ct) =>
        PostAppPage(post, context, emulator, http, install: false, ct);

    static async Task<IResult> PostAppPage(AppPageRequest request, HttpContext context, Emulator emulator, IHttpClientFactory http, bool install, CancellationToken ct)
    {
        var portal = PortalOf(context);
        var url = request.Url ?? (install ? portal.App.InstallUrl ?? portal.App.HandlerUrl : portal.App.HandlerUrl);
        if (url is null)
        {
            return Bad("'url' is required when the portal has no app URL");
        }

        var userId = request.UserId ?? 1;
        if (portal.FindUser(userId) is null)
        {
            return NotFound("user");
        }

        if (install)
        {
            Reinstall(portal);
        }

        var post = AppFramePost.Create(emulator, portal, userId, url, install, request.Lang ?? portal.Language,
            request.Placement ?? "DEFAULT", PlacementOptions(request.PlacementOptions));
        using var message = new HttpRequestMessage(HttpMethod.Post, post.Url) { Content = new FormUrlEncodedContent(post.Fields) };
        using var response = await http.CreateClient("app").SendAsync(message, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (install && request.Finish == true && response.IsSuccessStatusCode)
        {
            lock (portal.Sync)
            {
                portal.App.InstallFinished = true;
            }
        }

        var csp = response.Headers.TryGetValues("Content-Security-Policy", out var values) ? string.Join(", ", values) : null;
        return Results.Json(new AppAnswer((int)response.StatusCode, text, csp, post.Grant.AccessToken, post.Grant.RefreshToken));
    }

    /// <summary>The raw <c>PLACEMENT_OPTIONS</c> for the control body's value (see <see cref="AppPageRequest.PlacementOptions"/>).</summary>
    static string? PlacementOptions(JsonElement options) => options.ValueKind switch
    {
        JsonValueKind.Undefined => AppFramePost.DefaultOptions,
        JsonValueKind.Null => null,
        JsonValueKind.String => options.GetString(),
        _ => options.GetRawText(),
    };

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
    static async Task<IResult> SendEvent(AppEventRequest request, HttpContext context, Emulator emulator, IHttpClientFactory http, CancellationToken ct)
    {
        var portal = PortalOf(context);
        var eventName = request.Event!.ToUpperInvariant();
        var url = request.Url ?? portal.App.EventHandlerUrl;
        if (url is null)
        {
            return Bad("'url' is required when the portal has no event handler URL");
        }

        var userId = request.UserId ?? 1;
        if (portal.FindUser(userId) is null)
        {
            return NotFound("user");
        }

        if (eventName == "ONAPPINSTALL")
        {
            Reinstall(portal);
        }

        var applicationToken = request.ApplicationToken ?? portal.App.ApplicationToken;
        if (eventName == "ONAPPUNINSTALL" && request.Uninstall != false)
        {
            // Bitrix24 removes the app, and with it every token of the app, before it tells the app.
            lock (portal.Sync)
            {
                portal.App.Uninstalled = true;
                portal.App.InstallFinished = false;
                portal.Placements.RemoveAll(p => p.ClientId == portal.App.ClientId);
            }
        }

        var post = AppEventPost.Create(emulator, portal, eventName, userId, applicationToken, withTokens: request.WithTokens != false, clean: request.Clean == true);
        using var response = await http.CreateClient("app").PostAsync(url, new FormUrlEncodedContent(post.Fields), ct);
        return Results.Json(new AppAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct)));
    }
}
