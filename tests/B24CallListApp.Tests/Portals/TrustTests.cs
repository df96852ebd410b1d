using System.Text.Json;
using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using B24CallListApp.Portals;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests.Portals;

/// <summary>
/// The install, open and event paths tried as a real portal, as an ordinary user of a portal and as
/// an outsider would: each test is named after the defect it keeps fixed.
/// </summary>
public sealed partial class TrustTests(AppFixture app) : IClassFixture<AppFixture>
{
    /// <summary>The fixture, for the tests in the other files of this class (primary constructor parameters are seen in this one only).</summary>
    AppFixture App => app;

    T Service<T>() where T : notnull => app.Factory.Services.GetRequiredService<T>();

    Task<PortalRecord?> StoredAsync(string memberId) => app.StoredPortalAsync(memberId);

    Task<HttpResponseMessage> PostFormAsync(string pathAndQuery, Dictionary<string, string> fields, Uri? appUrl = null, HttpClient? client = null) =>
        (client ?? app.Http).PostAsync(new Uri(appUrl ?? app.AppUrl, pathAndQuery), new FormUrlEncodedContent(fields));

    async Task<int> OAuthCallsAsync() => (await app.Control.OAuthRequestsAsync()).Count;

    async Task<int> RefreshesAsync() => (await app.Control.OAuthRequestsAsync()).Count(r => r.GrantType == "refresh_token" && r.Status == 200);

    // ---- 0. Every shape of PLACEMENT_OPTIONS is a normal open.

    public static TheoryData<string?> PlacementOptionShapes() => new() { null, "", "[]", "{}", "{\"ID\":\"5\"}", "null", "\"text\"", "{broken" };

    [Theory]
    [MemberData(nameof(PlacementOptionShapes))]
    public async Task Opens_with_any_shape_of_placement_options_are_normal_opens(string? shape)
    {
        var portal = await app.InstalledPortalAsync();
        var open = await app.Control.OpenAsync(portal, new(UserId: 2, PlacementOptions: JsonSerializer.SerializeToElement(shape)));

        Assert.Equal(200, open.Status);
        Assert.Contains("data-user>Maria Petrova<", open.Body, StringComparison.Ordinal);
        Assert.Contains($"frame-ancestors http://{portal.Domain}", open.ContentSecurityPolicy, StringComparison.Ordinal);
    }

    // ---- 1. Only an administrator's verified request, or the first install, sets the application token.

    [Fact]
    public async Task A_user_who_is_not_an_administrator_cannot_install_or_replace_the_application_token()
    {
        var portal = await app.InstalledPortalAsync();
        var before = AppFixture.Snapshot((await StoredAsync(portal.MemberId))!);
        var forgedToken = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0";

        var fields = await app.Control.FramePostFieldsAsync(portal, userId: 2);
        fields["APPLICATION_TOKEN"] = forgedToken;
        using var install = await PostFormAsync($"install?DOMAIN={portal.Domain}&PROTOCOL=0&LANG=en", fields);

        Assert.Equal(403, (int)install.StatusCode);
        Assert.Contains("data-message=\"AdminRequired\"", await install.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, AppFixture.Snapshot((await StoredAsync(portal.MemberId))!));

        // The uninstall the insider would forge next finds the genuine token still in place.
        var uninstall = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", ApplicationToken: forgedToken, Clean: true, Uninstall: false));
        Assert.Equal(401, uninstall.Status);
        Assert.Equal(before, AppFixture.Snapshot((await StoredAsync(portal.MemberId))!));
    }

    [Fact]
    public async Task An_update_event_with_a_non_administrators_token_cannot_replace_the_application_token()
    {
        var portal = await app.InstalledPortalAsync();
        await app.OpenSessionAsync(portal, 2);
        var before = AppFixture.Snapshot((await StoredAsync(portal.MemberId))!);

        var update = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUPDATE", UserId: 2, ApplicationToken: "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"));

        Assert.Equal(401, update.Status);
        Assert.Equal(before, AppFixture.Snapshot((await StoredAsync(portal.MemberId))!));
        // The portal's genuine uninstall still works: its application token was never replaced.
        var genuine = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", Clean: true));
        Assert.Equal(200, genuine.Status);
        Assert.Null(await StoredAsync(portal.MemberId));
    }

    [Fact]
    public async Task An_uninstall_with_the_right_application_token_is_refused_while_the_apps_tokens_still_work()
    {
        var portal = await app.InstalledPortalAsync();
        await app.OpenSessionAsync(portal, 2);
        var before = (await StoredAsync(portal.MemberId))!;

        // The application token leaked, but the portal has not removed the app.
        var forged = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", Clean: true, Uninstall: false));

        Assert.Equal(401, forged.Status);
        var after = (await StoredAsync(portal.MemberId))!;
        Assert.Equal(PortalStatus.Active, after.Status);
        Assert.Equal(2, after.Accounts.Count);
        Assert.Equal(before.ProtectedApplicationToken, after.ProtectedApplicationToken);
    }

    [Fact]
    public async Task An_uninstall_the_portal_cannot_confirm_goes_by_the_application_token()
    {
        var portal = await app.InstalledPortalAsync();
        // The portal answers nothing useful while the app asks whether it was removed.
        await app.Control.FaultAsync(portal, new(Method: "app.info", Count: 50, Status: 500, Error: "INTERNAL_SERVER_ERROR"));

        var uninstall = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", Clean: false, Uninstall: false));

        Assert.Equal(200, uninstall.Status);
        var stored = (await StoredAsync(portal.MemberId))!;
        Assert.Equal(PortalStatus.Uninstalled, stored.Status);
        Assert.Empty(stored.Accounts);
    }

    [Fact]
    public async Task An_update_event_without_tokens_keeps_the_stored_pairs()
    {
        var portal = await app.InstalledPortalAsync();
        await app.OpenSessionAsync(portal, 2);
        var before = (await StoredAsync(portal.MemberId))!;

        var update = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUPDATE", WithTokens: false));
        Assert.Equal(200, update.Status);
        var forged = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUPDATE", WithTokens: false, ApplicationToken: "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"));
        Assert.Equal(401, forged.Status);

        Assert.Equal(AppFixture.Snapshot(before), AppFixture.Snapshot((await StoredAsync(portal.MemberId))!));
    }

    // ---- 2. A refresh, once sent, completes and is stored whatever happens to the request that caused it.

    [Fact]
    public async Task A_refresh_whose_request_was_abandoned_is_still_stored_and_the_portal_keeps_working()
    {
        var portal = await app.InstalledPortalAsync();
        var session = await app.OpenSessionAsync(portal, 2);
        var key = new AccountKey(portal.MemberId, 2);
        var store = Service<IBitrix24TokenStore>();
        var before = (await store.GetAsync(key, default))!;
        await app.Control.ExpireAsync(before.AccessToken);
        await app.Control.OAuthFaultAsync(new(Path: "token", DelayMs: 1500));
        var refreshes = await RefreshesAsync();

        // The browser goes away while Bitrix24 is still issuing the new pair.
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.AppUrl, "api/calllists")))
        using (var abandon = new CancellationTokenSource(TimeSpan.FromMilliseconds(400)))
        {
            request.Headers.Add(PageSessions.HeaderName, session);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.Http.SendAsync(request, abandon.Token));
        }

        var stored = before;
        for (var i = 0; i < 50 && stored.RefreshToken == before.RefreshToken; i++)
        {
            await Task.Delay(100);
            stored = (await store.GetAsync(key, default))!;
        }

        Assert.NotEqual(before.RefreshToken, stored.RefreshToken);
        Assert.Equal(refreshes + 1, await RefreshesAsync());
        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(app.AppUrl, "api/calllists"));
        again.Headers.Add(PageSessions.HeaderName, session);
        Assert.Equal(200, (int)(await app.Http.SendAsync(again)).StatusCode);
        Assert.Equal(refreshes + 1, await RefreshesAsync());
    }

    [Fact]
    public async Task A_refreshed_pair_the_database_would_not_take_is_kept_and_written_when_it_can()
    {
        await using var instance = app.CreateApp(settings: new Dictionary<string, string?> { ["ConnectionStrings:Default"] = $"Data Source={app.DatabasePath};Default Timeout=1", ["Bitrix24:RefreshTimeout"] = "00:00:03" });
        var portal = await app.InstalledPortalAsync();
        await app.OpenSessionAsync(portal, 2, AppFixture.AddressOf(instance));
        var key = new AccountKey(portal.MemberId, 2);
        var store = instance.Services.GetRequiredService<IBitrix24TokenStore>();
        var before = (await store.GetAsync(key, default))!;
        await app.Control.ExpireAsync(before.AccessToken);
        var client = instance.Services.GetRequiredService<Bitrix24Client>();
        var account = PortalStore.AccountOf((await StoredAsync(portal.MemberId))!, 2);

        using (var blocker = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False"))
        {
            blocker.Open();
            using (var begin = blocker.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE;";
                begin.ExecuteNonQuery();
            }

            // Every write fails while the lock is held; the call still succeeds with the new pair.
            var profile = await client.CallAsync(account, "profile", null);
            Assert.Equal("2", profile.Result.GetProperty("ID").GetString());
            Assert.Equal(before.RefreshToken, (await store.GetAsync(key, default))!.RefreshToken);
            using var rollback = blocker.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();
        }

        await client.CallAsync(account, "profile", null);
        var after = (await store.GetAsync(key, default))!;
        Assert.NotEqual(before.RefreshToken, after.RefreshToken);
        // The stored pair is the one Bitrix24 issued: it refreshes, the old one does not.
        Assert.Equal(200, (await app.Control.RefreshAsync(after.RefreshToken)).Status);
    }

    // ---- 3. One user's bad or missing token never degrades the portal.

    [Fact]
    public async Task An_open_without_a_refresh_token_keeps_the_stored_one()
    {
        var portal = await app.InstalledPortalAsync();
        await app.OpenSessionAsync(portal, 2);
        var before = (await StoredAsync(portal.MemberId))!.Accounts.Single(a => a.UserId == 2).RefreshTokenHash;

        var fields = await app.Control.FramePostFieldsAsync(portal, 2);
        fields.Remove("REFRESH_ID");
        using var open = await PostFormAsync($"?DOMAIN={portal.Domain}&PROTOCOL=0", fields);

        Assert.Equal(200, (int)open.StatusCode);
        Assert.Equal(before, (await StoredAsync(portal.MemberId))!.Accounts.Single(a => a.UserId == 2).RefreshTokenHash);
    }

    // ---- 8. Smaller ones.

    [Fact]
    public async Task Page_api_answers_are_never_cached()
    {
        var portal = await app.InstalledPortalAsync();
        var session = await app.OpenSessionAsync(portal, 2);
        foreach (var (path, token) in new[] { ("api/me", session), ("api/calllists", session), ("api/companies?q=a", session), ("api/me", "not-a-session") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.AppUrl, path));
            request.Headers.Add(PageSessions.HeaderName, token);
            using var response = await app.Http.SendAsync(request);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }
    }

    [Fact]
    public async Task First_opens_racing_each_other_and_the_install_event_all_succeed()
    {
        var portal = await app.Control.CreatePortalAsync(app: new() { HandlerUrl = app.AppUrl.ToString(), EventHandlerUrl = app.AppUrl + "events", InstallFinished = true });
        var install = await app.Control.SendEventAsync(portal, new(Event: "ONAPPINSTALL"));
        Assert.Equal(200, install.Status);

        var opens = Enumerable.Range(0, 6).Select(_ => app.Control.OpenAsync(portal, new(UserId: 2))).ToList();
        var again = app.Control.SendEventAsync(portal, new(Event: "ONAPPINSTALL", UserId: 1));
        var answers = await Task.WhenAll(opens.Append(again));

        Assert.All(answers, a => Assert.Equal(200, a.Status));
        var stored = (await StoredAsync(portal.MemberId))!;
        Assert.Equal([1L, 2L], stored.Accounts.Select(a => a.UserId).Order());
    }

    [Fact]
    public async Task Placements_are_bound_to_the_configured_public_url_whatever_the_host_header_says()
    {
        await using var instance = app.CreateApp(settings: new Dictionary<string, string?> { ["App:PublicUrl"] = "https://calllists.example.com/" });
        var portal = await app.Control.CreatePortalAsync(app: new() { InstallUrl = AppFixture.AddressOf(instance) + "install" });

        var installed = await app.Control.InstallAsync(portal, new(UserId: 1));

        Assert.Equal(200, installed.Status);
        var placements = (await app.Control.GetPortalAsync(portal)).Placements;
        Assert.NotEmpty(placements);
        Assert.All(placements, p => Assert.Equal("https://calllists.example.com/", p.Handler));
    }

    [Fact]
    public async Task Error_pages_are_framed_for_the_portal_that_claims_them()
    {
        using var response = await PostFormAsync("?DOMAIN=portal.example.com&PROTOCOL=1&LANG=ru", new Dictionary<string, string> { ["AUTH_ID"] = "x" });

        Assert.Equal(400, (int)response.StatusCode);
        Assert.EndsWith("frame-ancestors https://portal.example.com", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("Откройте приложение", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
