using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using PortalEmulator;

namespace TestSupport;

public sealed record EmulatedUser(int Id, bool Admin, string AccessToken, string RefreshToken);

public sealed record EmulatedPortal(string MemberId, string Domain, string ClientEndpoint, string OAuthServer, string ApplicationToken, IReadOnlyList<EmulatedUser> Users)
{
    public EmulatedUser Admin => Users.First(u => u.Admin);
    public EmulatedUser Manager => Users.First(u => !u.Admin);
}

public sealed record LoggedRequest(string Method, JsonNode? Params, int? UserId, int Status, string? Error, bool InBatch, long At);

public sealed record OAuthRequest(string Path, string? GrantType, string? ClientId, int Status, string? Error);

/// <summary>The emulator's control API over real HTTP, as tests, the demo and acceptance runs use it.</summary>
public sealed class EmulatorControl(Uri baseAddress) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public HttpClient Http { get; } = new() { BaseAddress = baseAddress };

    public Uri BaseAddress { get; } = baseAddress;

    public async Task<EmulatedPortal> CreatePortalAsync(string clientId = "app.test", string clientSecret = "test-secret", string seed = "demo", object? extra = null)
    {
        var body = JsonSerializer.SerializeToNode(new { clientId, clientSecret, seed })!.AsObject();
        if (extra is not null)
        {
            foreach (var (key, value) in JsonSerializer.SerializeToNode(extra, Json)!.AsObject())
            {
                body[key] = value?.DeepClone();
            }
        }

        var response = await Http.PostAsJsonAsync("/_emulator/portals", body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<EmulatedPortal>(Json))!;
    }

    public async Task<JsonObject> PostAsync(string path, object body)
    {
        var response = await Http.PostAsJsonAsync(path, body, Json);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{path} answered {(int)response.StatusCode}: {text}");
        }

        return text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject();
    }

    public async Task<EmulatedUser> IssueTokensAsync(EmulatedPortal portal, int userId)
    {
        var answer = await PostAsync($"/_emulator/portals/{portal.MemberId}/users/{userId}/tokens", new { });
        return new EmulatedUser(userId, portal.Users.First(u => u.Id == userId).Admin, (string)answer["accessToken"]!, (string)answer["refreshToken"]!);
    }

    /// <summary>A portal administrator changes a user's rights (either may be left as it is): from the user's next call on.</summary>
    public Task<JsonObject> SetUserRightsAsync(EmulatedPortal portal, int userId, bool? admin = null, string? crmRead = null) =>
        PostAsync($"/_emulator/portals/{portal.MemberId}/users/{userId}", new JsonObject { ["admin"] = admin, ["crmRead"] = crmRead });

    /// <summary>The portal's installer page POSTed to the app (<c>{"finish": true}</c> also finishes the install as the page's script would).</summary>
    public Task<JsonObject> InstallAsync(EmulatedPortal portal, object? options = null) => PostAsync($"/_emulator/portals/{portal.MemberId}/install", options ?? new { });

    /// <summary>An open of the app (or a placement) POSTed by the portal for a user: <c>{"status", "body"}</c> of the app's answer.</summary>
    public Task<JsonObject> OpenAsync(EmulatedPortal portal, object open) => PostAsync($"/_emulator/portals/{portal.MemberId}/open", open);

    /// <summary>An app event (<c>ONAPPINSTALL</c>, <c>ONAPPUPDATE</c>, <c>ONAPPUNINSTALL</c>) sent by the portal to the app's handler.</summary>
    public Task<JsonObject> SendEventAsync(EmulatedPortal portal, object appEvent) => PostAsync($"/_emulator/portals/{portal.MemberId}/events", appEvent);

    /// <summary>The portal moves to another domain (keeping its member_id).</summary>
    public Task<JsonObject> MoveAsync(EmulatedPortal portal, object? options = null) => PostAsync($"/_emulator/portals/{portal.MemberId}/move", options ?? new { });

    /// <summary>The portal is deleted: its REST answers PORTAL_DELETED from now on.</summary>
    public Task<JsonObject> DeleteAsync(EmulatedPortal portal, object? options = null) => PostAsync($"/_emulator/portals/{portal.MemberId}/delete", options ?? new { });

    /// <summary>Operating time spent on a method by others, as a portal counts it (<c>{"method", "seconds"}</c>).</summary>
    public Task<JsonObject> AddOperatingTimeAsync(EmulatedPortal portal, object operating) => PostAsync($"/_emulator/portals/{portal.MemberId}/operating", operating);

    /// <summary>Requests another app spends from the portal's bucket (<c>{"requests"}</c>).</summary>
    public Task<JsonObject> LoadAsync(EmulatedPortal portal, object load) => PostAsync($"/_emulator/portals/{portal.MemberId}/load", load);

    /// <summary>Every secret the emulator ever issued (<c>tokens</c>, <c>applicationTokens</c>, <c>clientSecrets</c>), for tests that look for leaks.</summary>
    public async Task<JsonObject> SecretsAsync() => JsonNode.Parse(await Http.GetStringAsync("/_emulator/secrets"))!.AsObject();

    /// <summary>Every token the emulator issued, access and refresh.</summary>
    public async Task<IReadOnlyList<string>> IssuedTokensAsync() => (await SecretsAsync())["tokens"]!.AsArray().Select(t => (string)t!).ToList();

    public Task ExpireAsync(string accessToken) => PostAsync("/_emulator/tokens/expire", new { accessToken });

    public Task FaultAsync(EmulatedPortal portal, object fault) => PostAsync($"/_emulator/portals/{portal.MemberId}/faults", fault);

    /// <summary>Every access token issued so far expires; returns how many.</summary>
    public async Task<int> ExpireAllAsync() => (int)(await PostAsync("/_emulator/tokens/expire-all", new { }))["expired"]!;

    public Task SetLimitsAsync(EmulatedPortal portal, double drainPerSecond, double capacity) =>
        PostAsync($"/_emulator/portals/{portal.MemberId}/limits", new { drainPerSecond, capacity });

    public Task<JsonObject> UpdateAppAsync(EmulatedPortal portal, object settings) => PostAsync($"/_emulator/portals/{portal.MemberId}/app", settings);

    /// <summary>Makes the OAuth server's next answers on <c>path</c> (token or app.info) slow or failing.</summary>
    public Task OAuthFaultAsync(object fault) => PostAsync("/_emulator/oauth/faults", fault);

    /// <summary>Switches on ways a broken or hostile portal misbehaves (<c>ignoreStart</c>).</summary>
    public Task QuirksAsync(EmulatedPortal portal, object quirks) => PostAsync($"/_emulator/portals/{portal.MemberId}/quirks", quirks);

    /// <summary>The form fields of a portal's frame POST for a user, with tokens fresh from the portal.</summary>
    public async Task<Dictionary<string, string>> FramePostFieldsAsync(EmulatedPortal portal, int userId)
    {
        var user = await IssueTokensAsync(portal, userId);
        return new Dictionary<string, string>
        {
            ["AUTH_ID"] = user.AccessToken,
            ["AUTH_EXPIRES"] = "3600",
            ["REFRESH_ID"] = user.RefreshToken,
            ["SERVER_ENDPOINT"] = portal.OAuthServer + "rest/",
            ["member_id"] = portal.MemberId,
            ["status"] = "L",
            ["PLACEMENT"] = "DEFAULT",
        };
    }

    public async Task<int> AddCallListAsync(EmulatedPortal portal, string entityType, IEnumerable<int> entityIds, int? webFormId = null) =>
        (int)(await PostAsync($"/_emulator/portals/{portal.MemberId}/calllists", new { entityType, entityIds, webFormId }))["id"]!;

    /// <summary>Generated contacts, created now; <paramref name="typeId"/>, <paramref name="sourceId"/> and <paramref name="phone"/> put them in a segment.</summary>
    public async Task<(int FirstId, int LastId)> AddContactsAsync(EmulatedPortal portal, int count, int? assignedById = null, string? lastName = null,
        string? typeId = null, string? sourceId = null, bool phone = false)
    {
        var answer = await PostAsync($"/_emulator/portals/{portal.MemberId}/contacts", new { count, assignedById, lastName, typeId, sourceId, phone });
        return ((int)answer["firstId"]!, (int)answer["lastId"]!);
    }

    public async Task<JsonObject> GetPortalAsync(EmulatedPortal portal) =>
        JsonNode.Parse(await Http.GetStringAsync($"/_emulator/portals/{portal.MemberId}"))!.AsObject();

    public async Task<IReadOnlyList<LoggedRequest>> RequestsAsync(EmulatedPortal portal) =>
        (await Http.GetFromJsonAsync<List<LoggedRequest>>($"/_emulator/portals/{portal.MemberId}/requests", Json))!;

    /// <summary>The portal logs a call when it ends; a call the client abandoned ends a moment later.</summary>
    public async Task<IReadOnlyList<LoggedRequest>> WaitForRequestsAsync(EmulatedPortal portal, Func<IReadOnlyList<LoggedRequest>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var log = await RequestsAsync(portal);
            if (done(log) || DateTime.UtcNow > deadline)
            {
                return log;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Refreshes a pair on the OAuth server directly, as another client (or an attacker) would.</summary>
    public Task<(int Status, JsonObject Body)> RefreshAsync(string refreshToken, string clientId = "app.test", string clientSecret = "test-secret") =>
        PortalRest.FormAsync(BaseAddress + "oauth/token/", new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
            ["refresh_token"] = refreshToken,
        });

    public async Task<IReadOnlyList<OAuthRequest>> OAuthRequestsAsync() =>
        (await Http.GetFromJsonAsync<List<OAuthRequest>>("/_emulator/oauth/requests", Json))!;

    public void Dispose() => Http.Dispose();
}

/// <summary>A portal emulator on a free loopback port for one test class (xunit class fixture).</summary>
public class EmulatorFixture : Xunit.IAsyncLifetime
{
    WebApplication? _app;

    public EmulatorControl Control { get; private set; } = null!;

    public Emulator Emulator => _app!.Emulator();

    /// <summary>Generous limits so tests that are not about limits never meet them.</summary>
    protected virtual void Configure(EmulatorOptions options)
    {
        options.DrainPerSecond = 1000;
        options.BucketCapacity = 1000;
    }

    public virtual async Task InitializeAsync()
    {
        _app = await EmulatorApp.StartAsync(Configure);
        Control = new EmulatorControl(new Uri(_app.Urls.First()));
    }

    public virtual async Task DisposeAsync()
    {
        Control?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>Raw REST calls to an emulated portal, for conformance tests that check the wire.</summary>
public static class PortalRest
{
    static readonly HttpClient Client = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public static async Task<(int Status, JsonObject Body)> CallAsync(EmulatedPortal portal, string? token, string method, object? parameters = null)
    {
        var body = parameters is null ? [] : JsonSerializer.SerializeToNode(parameters)!.AsObject();
        if (token is not null)
        {
            body["auth"] = token;
        }

        using var response = await Client.PostAsJsonAsync(portal.ClientEndpoint + method, body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject());
    }

    public static async Task<(int Status, JsonObject Body)> FormAsync(string url, IEnumerable<KeyValuePair<string, string>> fields)
    {
        using var response = await Client.PostAsync(url, new FormUrlEncodedContent(fields));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject());
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => await Client.SendAsync(request);
}
