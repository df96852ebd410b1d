using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using PortalEmulator;

namespace TestSupport;

/// <summary>The emulator's control API over real HTTP, as tests, the demo and acceptance runs use it.</summary>
public sealed class EmulatorControl(Uri baseAddress) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public HttpClient Http { get; } = new() { BaseAddress = baseAddress };

    public Uri BaseAddress { get; } = baseAddress;

    /// <summary>A new portal with the app registered on it; <paramref name="app"/> says where its pages and events go.</summary>
    public Task<EmulatedPortal> CreatePortalAsync(string clientId = "app.test", string clientSecret = "test-secret", string seed = "demo",
        string? language = null, AppSettings? app = null) =>
        PostAsync<EmulatedPortal>("/_emulator/portals", new NewPortal
        {
            ClientId = clientId,
            ClientSecret = clientSecret,
            Seed = seed,
            Language = language,
            HandlerUrl = app?.HandlerUrl,
            InstallUrl = app?.InstallUrl,
            EventHandlerUrl = app?.EventHandlerUrl,
            Scope = app?.Scope,
            Deleted = app?.Deleted,
            Uninstalled = app?.Uninstalled,
            PaymentRequired = app?.PaymentRequired,
            InstallFinished = app?.InstallFinished,
        });

    /// <summary>A control call whose answer is <typeparamref name="TAnswer"/>; a refusal throws with the emulator's reason.</summary>
    async Task<TAnswer> PostAsync<TAnswer>(string path, object body)
    {
        using var response = await SendAsync(path, body);
        return (await response.Content.ReadFromJsonAsync<TAnswer>(Json))!;
    }

    /// <summary>A control call that answers nothing; a refusal throws with the emulator's reason.</summary>
    async Task PostAsync(string path, object body)
    {
        using var response = await SendAsync(path, body);
    }

    async Task<HttpResponseMessage> SendAsync(string path, object body)
    {
        var response = await Http.PostAsync(path, JsonContent.Create(body, body.GetType(), options: Json));
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new HttpRequestException($"{path} answered {(int)response.StatusCode}: {text}");
        }

        return response;
    }

    static string PortalPath(EmulatedPortal portal, string path) => $"/_emulator/portals/{portal.MemberId}/{path}";

    public async Task<EmulatedUser> IssueTokensAsync(EmulatedPortal portal, int userId)
    {
        var tokens = await PostAsync<IssuedTokens>(PortalPath(portal, $"users/{userId}/tokens"), new { });
        return new EmulatedUser(userId, portal.Users.First(u => u.Id == userId).Admin, tokens.AccessToken, tokens.RefreshToken);
    }

    /// <summary>A portal administrator changes a user's rights (any may be left as it is): from the user's next call on.</summary>
    public Task<UserState> SetUserRightsAsync(EmulatedPortal portal, int userId, bool? admin = null, string? crmRead = null, bool? active = null) =>
        PostAsync<UserState>(PortalPath(portal, $"users/{userId}"), new UserRightsChange(admin, crmRead, active));

    /// <summary>The portal's installer page POSTed to the app (<c>Finish: true</c> also finishes the install as the page's script would).</summary>
    public Task<AppAnswer> InstallAsync(EmulatedPortal portal, AppPageRequest? install = null) =>
        PostAsync<AppAnswer>(PortalPath(portal, "install"), install ?? new AppPageRequest());

    /// <summary>An open of the app (or a placement) POSTed by the portal for a user: how the app answered.</summary>
    public Task<AppAnswer> OpenAsync(EmulatedPortal portal, AppPageRequest open) => PostAsync<AppAnswer>(PortalPath(portal, "open"), open);

    /// <summary>An app event (<c>ONAPPINSTALL</c>, <c>ONAPPUPDATE</c>, <c>ONAPPUNINSTALL</c>) sent by the portal to the app's handler.</summary>
    public Task<AppAnswer> SendEventAsync(EmulatedPortal portal, AppEventRequest appEvent) => PostAsync<AppAnswer>(PortalPath(portal, "events"), appEvent);

    /// <summary>The portal moves to another domain (keeping its member_id).</summary>
    public Task<MovedPortal> MoveAsync(EmulatedPortal portal) => PostAsync<MovedPortal>(PortalPath(portal, "move"), new { });

    /// <summary>The portal is deleted: its REST answers PORTAL_DELETED from now on.</summary>
    public Task DeleteAsync(EmulatedPortal portal) => PostAsync(PortalPath(portal, "delete"), new { });

    /// <summary>Operating time spent on a method by others, as a portal counts it.</summary>
    public Task AddOperatingTimeAsync(EmulatedPortal portal, string method, double seconds) =>
        PostAsync(PortalPath(portal, "operating"), new OperatingTimeRequest(method, seconds));

    /// <summary>Requests another app spends from the portal's bucket.</summary>
    public Task<LoadAnswer> LoadAsync(EmulatedPortal portal, int requests) => PostAsync<LoadAnswer>(PortalPath(portal, "load"), new ExternalLoadRequest(requests));

    /// <summary>Every secret the emulator ever issued, for tests that look for leaks.</summary>
    public async Task<IssuedSecrets> SecretsAsync() => (await Http.GetFromJsonAsync<IssuedSecrets>("/_emulator/secrets", Json))!;

    /// <summary>Every token the emulator issued, access and refresh.</summary>
    public async Task<IReadOnlyList<string>> IssuedTokensAsync() => (await SecretsAsync()).Tokens;

    public Task ExpireAsync(string accessToken) => PostAsync("/_emulator/tokens/expire", new TokenExpiry(accessToken));

    public Task FaultAsync(EmulatedPortal portal, FaultRequest fault) => PostAsync(PortalPath(portal, "faults"), fault);

    /// <summary>Every access token issued so far expires; returns how many.</summary>
    public async Task<int> ExpireAllAsync() => (await PostAsync<ExpiredTokens>("/_emulator/tokens/expire-all", new { })).Expired;

    public Task SetLimitsAsync(EmulatedPortal portal, double drainPerSecond, double capacity) =>
        PostAsync(PortalPath(portal, "limits"), new LimitsChange(drainPerSecond, capacity, null));

    /// <summary>The app's registration changes; returns the application token after the change.</summary>
    public async Task<string> UpdateAppAsync(EmulatedPortal portal, AppChange change) =>
        (await PostAsync<AppTokenAnswer>(PortalPath(portal, "app"), change)).ApplicationToken;

    /// <summary>Makes the OAuth server's next answers on a path (token or app.info) slow or failing.</summary>
    public Task OAuthFaultAsync(OAuthFaultRequest fault) => PostAsync("/_emulator/oauth/faults", fault);

    /// <summary>Switches on ways a broken or hostile portal misbehaves.</summary>
    public Task QuirksAsync(EmulatedPortal portal, QuirksChange quirks) => PostAsync(PortalPath(portal, "quirks"), quirks);

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
        (await PostAsync<CallListAdded>(PortalPath(portal, "calllists"), new NewCallList(entityType, entityIds.ToArray(), webFormId, null))).Id;

    /// <summary>Generated contacts, created now; <paramref name="typeId"/>, <paramref name="sourceId"/>, <paramref name="phone"/> and <paramref name="companyId"/> put them in a segment.</summary>
    public async Task<(int FirstId, int LastId)> AddContactsAsync(EmulatedPortal portal, int count, int? assignedById = null, string? lastName = null,
        string? typeId = null, string? sourceId = null, bool phone = false, int? companyId = null)
    {
        var added = await PostAsync<RecordsAdded>(PortalPath(portal, "contacts"), new NewContacts(count, assignedById, lastName, typeId, sourceId, companyId, phone));
        return (added.FirstId, added.LastId);
    }

    /// <summary>Generated companies, created now, each titled "{title} {id}".</summary>
    public async Task<(int FirstId, int LastId)> AddCompaniesAsync(EmulatedPortal portal, int count, string? title = null)
    {
        var added = await PostAsync<RecordsAdded>(PortalPath(portal, "companies"), new NewCompanies(count, title, null));
        return (added.FirstId, added.LastId);
    }

    public async Task<PortalState> GetPortalAsync(EmulatedPortal portal) =>
        (await Http.GetFromJsonAsync<PortalState>($"/_emulator/portals/{portal.MemberId}", Json))!;

    /// <summary>A call list as the portal holds it.</summary>
    public async Task<CallListState> CallListAsync(EmulatedPortal portal, int listId) => (await GetPortalAsync(portal)).CallList(listId);

    /// <summary>The ids of a call list's participants, in the portal's order.</summary>
    public async Task<IReadOnlyList<int>> ParticipantsAsync(EmulatedPortal portal, int listId) => (await CallListAsync(portal, listId)).EntityIds;

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
