using System.Net.Http.Json;
using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using B24CallListApp.Portals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TestSupport;

namespace B24CallListApp.Tests.Portals;

/// <summary>Tokens, refreshes and portal states over the app's real database store and the emulator, on SQLite.</summary>
public sealed class PortalLifecycleOnSqliteTests(AppFixture app) : PortalLifecycleTests(app), IClassFixture<AppFixture>;

/// <summary>The same, on PostgreSQL (a server of the test run's own).</summary>
public sealed class PortalLifecycleOnPostgresTests(PostgresAppFixture app) : PortalLifecycleTests(app), IClassFixture<PostgresAppFixture>;

/// <summary>Tokens, refreshes and portal states over the app's real database store and the emulator.</summary>
public abstract class PortalLifecycleTests(AppFixture app)
{
    T Service<T>() where T : notnull => app.Factory.Services.GetRequiredService<T>();

    Task<PortalRecord?> StoredAsync(string memberId) => app.StoredPortalAsync(memberId);

    async Task<(EmulatedPortal Portal, string Session)> OpenedPortalAsync(int userId = 1)
    {
        var portal = await app.InstalledPortalAsync();
        return (portal, await app.OpenSessionAsync(portal, userId));
    }

    async Task<(int Status, JsonNode? Body)> CallListsAsync(string session, Uri? appUrl = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(appUrl ?? app.AppUrl, "api/calllists"));
        request.Headers.Add(PageSessions.HeaderName, session);
        using var response = await app.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadFromJsonAsync<JsonNode>());
    }

    async Task<int> RefreshCountAsync() => (await app.Control.OAuthRequestsAsync()).Count(r => r.GrantType == "refresh_token");

    [Fact]
    public async Task Concurrent_calls_on_an_expired_stored_token_refresh_once_and_persist_the_new_pair()
    {
        var (portal, _) = await OpenedPortalAsync();
        var store = Service<IBitrix24TokenStore>();
        var key = new AccountKey(portal.MemberId, 1);
        var before = (await store.GetAsync(key, default))!;
        await app.Control.ExpireAsync(before.AccessToken);
        var refreshes = await RefreshCountAsync();

        var stored = (await StoredAsync(portal.MemberId))!;
        var account = PortalStore.AccountOf(stored, 1);
        var client = Service<Bitrix24Client>();
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.CallAsync(account, "profile", null)));

        Assert.All(results, r => Assert.Equal("1", r.Result.GetProperty("ID").GetString()));
        Assert.Equal(refreshes + 1, await RefreshCountAsync());
        var after = (await store.GetAsync(key, default))!;
        Assert.NotEqual(before.RefreshToken, after.RefreshToken);
        Assert.Equal("invalid_grant", (string)(await app.Control.RefreshAsync(before.RefreshToken)).Body["error"]!);
    }

    [Fact]
    public async Task The_database_store_swaps_only_from_the_pair_it_holds()
    {
        var (portal, _) = await OpenedPortalAsync();
        var store = Service<IBitrix24TokenStore>();
        var key = new AccountKey(portal.MemberId, 1);
        var current = (await store.GetAsync(key, default))!;
        var candidates = new[]
        {
            new AuthToken("access-a", "refresh-a", DateTimeOffset.UtcNow.AddHours(1).AddSeconds(-7)),
            new AuthToken("access-b", "refresh-b", DateTimeOffset.UtcNow.AddHours(2).AddSeconds(-3)),
        };

        var results = await Task.WhenAll(candidates.Select(c => store.TryReplaceAsync(key, current, c, default)));

        Assert.Single(results, r => r);
        // The stored pair is the winner's, every field of it: no mix of the two writes.
        var winner = candidates[Array.IndexOf(results, true)];
        var kept = (await store.GetAsync(key, default))!;
        Assert.Equal(winner.AccessToken, kept.AccessToken);
        Assert.Equal(winner.RefreshToken, kept.RefreshToken);
        Assert.Equal(winner.ExpiresAt.ToUnixTimeSeconds(), kept.ExpiresAt.ToUnixTimeSeconds());
        Assert.False(await store.TryReplaceAsync(key, current, new AuthToken("access-c", "refresh-c", DateTimeOffset.UtcNow), default));
        Assert.Equal(winner.RefreshToken, (await store.GetAsync(key, default))!.RefreshToken);
    }

    [Fact]
    public async Task Tokens_survive_a_restart_and_a_second_instance_reads_them()
    {
        var (portal, session) = await OpenedPortalAsync(userId: 2);
        var before = (await Service<IBitrix24TokenStore>().GetAsync(new AccountKey(portal.MemberId, 2), default))!;

        await using var second = app.CreateApp();
        var after = (await second.Services.GetRequiredService<IBitrix24TokenStore>().GetAsync(new AccountKey(portal.MemberId, 2), default))!;
        Assert.Equal(before.AccessToken, after.AccessToken);
        Assert.Equal(before.RefreshToken, after.RefreshToken);

        // The page's session is honoured by the other instance too: the key ring is shared through the database.
        var (status, lists) = await CallListsAsync(session, AppFixture.AddressOf(second));
        Assert.Equal(200, status);
        Assert.Equal(3, lists!.AsArray().Count);
    }

    [Fact]
    public async Task Payment_required_is_shown_and_recorded_for_that_portal_only()
    {
        var (unpaid, _) = await OpenedPortalAsync();
        var (paid, _) = await OpenedPortalAsync();
        await app.Control.UpdateAppAsync(unpaid, new() { PaymentRequired = true });

        var open = await app.Control.OpenAsync(unpaid, new(UserId: 2, Lang: "ru"));
        Assert.Equal(402, open.Status);
        Assert.Contains("data-message=\"PaymentRequired\"", open.Body, StringComparison.Ordinal);
        Assert.Contains("подписк", open.Body, StringComparison.Ordinal);
        Assert.Equal(PortalStatus.PaymentRequired, (await StoredAsync(unpaid.MemberId))!.Status);

        var other = await app.Control.OpenAsync(paid, new(UserId: 2));
        Assert.Equal(200, other.Status);
        Assert.Equal(PortalStatus.Active, (await StoredAsync(paid.MemberId))!.Status);
    }

    [Fact]
    public async Task A_dead_refresh_token_is_recorded_on_that_account_alone_and_explained()
    {
        var (portal, adminSession) = await OpenedPortalAsync(userId: 1);
        var managerSession = await app.OpenSessionAsync(portal, 2);
        var adminToken = (await Service<IBitrix24TokenStore>().GetAsync(new AccountKey(portal.MemberId, 1), default))!;
        await app.Control.RefreshAsync(adminToken.RefreshToken);
        await app.Control.ExpireAsync(adminToken.AccessToken);

        var (status, body) = await CallListsAsync(adminSession);
        Assert.Equal(401, status);
        Assert.Equal("ReinstallRequired", (string)body!["code"]!);
        var stored = (await StoredAsync(portal.MemberId))!;
        Assert.Equal(PortalStatus.Active, stored.Status);
        Assert.Equal("invalid_grant", stored.Accounts.Single(a => a.UserId == 1).Failure);

        // Every other user of the portal keeps working.
        Assert.Equal(200, (await CallListsAsync(managerSession)).Status);
        Assert.Null(stored.Accounts.Single(a => a.UserId == 2).Failure);

        // Opening the app again brings fresh tokens and the user back.
        var open = await app.Control.OpenAsync(portal, new(UserId: 1));
        Assert.Equal(200, open.Status);
        Assert.Null((await StoredAsync(portal.MemberId))!.Accounts.Single(a => a.UserId == 1).Failure);
    }

    [Fact]
    public async Task A_deleted_app_is_explained_to_the_user_whose_refresh_said_so()
    {
        var (deleted, deletedSession) = await OpenedPortalAsync();
        var deletedToken = (await Service<IBitrix24TokenStore>().GetAsync(new AccountKey(deleted.MemberId, 1), default))!;
        await app.Control.ExpireAsync(deletedToken.AccessToken);
        await app.Control.UpdateAppAsync(deleted, new() { Deleted = true });

        var (status, body) = await CallListsAsync(deletedSession);
        Assert.Equal(410, status);
        Assert.Equal("AppDeleted", (string)body!["code"]!);
        Assert.Equal("wrong_client", (await StoredAsync(deleted.MemberId))!.Accounts.Single(a => a.UserId == 1).Failure);

        // The account is not asked again until the user opens the app: no further OAuth calls.
        var oauthCalls = (await app.Control.OAuthRequestsAsync()).Count;
        Assert.Equal(410, (await CallListsAsync(deletedSession)).Status);
        Assert.Equal(oauthCalls, (await app.Control.OAuthRequestsAsync()).Count);
    }

    [Fact]
    public async Task A_portal_that_moved_is_followed_and_its_record_updated()
    {
        var (portal, session) = await OpenedPortalAsync();
        var newDomain = (string)(await app.Control.MoveAsync(portal)).Domain;

        var (status, lists) = await CallListsAsync(session);
        Assert.Equal(200, status);
        Assert.Equal(3, lists!.AsArray().Count);
        var stored = (await StoredAsync(portal.MemberId))!;
        Assert.Equal(newDomain, stored.Domain);
        Assert.Equal($"http://{newDomain}/rest/", stored.ClientEndpoint);
    }

    [Fact]
    public async Task An_update_event_brings_a_new_application_token_and_the_old_one_stops_working()
    {
        var (portal, _) = await OpenedPortalAsync();
        var rotated = await app.Control.UpdateAppAsync(portal, new() { RotateApplicationToken = true });
        var update = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUPDATE"));
        Assert.Equal(200, update.Status);

        var stale = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", ApplicationToken: portal.ApplicationToken));
        Assert.Equal(401, stale.Status);
        var genuine = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", ApplicationToken: rotated));
        Assert.Equal(200, genuine.Status);
        Assert.Equal(PortalStatus.Uninstalled, (await StoredAsync(portal.MemberId))!.Status);
    }

    [Fact]
    public async Task Huge_values_are_refused_with_a_4xx()
    {
        var fields = new Dictionary<string, string> { ["AUTH_ID"] = new string('a', 5_000_000), ["member_id"] = "x" };
        using var response = await app.Http.PostAsync(new Uri(app.AppUrl, "?DOMAIN=x"), new FormUrlEncodedContent(fields));
        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    [Fact]
    public void Configuration_is_checked_on_start_with_a_message_naming_the_key()
    {
        var missing = Assert.ThrowsAny<Exception>(() => app.CreateApp("Production", new Dictionary<string, string?> { ["Bitrix24:ClientId"] = "", ["Bitrix24:ClientSecret"] = "" }));
        Assert.Contains("Bitrix24:ClientId is required", Flatten(missing), StringComparison.Ordinal);

        var malformed = Assert.ThrowsAny<Exception>(() => app.CreateApp(settings: new Dictionary<string, string?> { ["Bitrix24:OAuthServers:0"] = "not a url" }));
        Assert.Contains("Bitrix24:OAuthServers contains 'not a url'", Flatten(malformed), StringComparison.Ordinal);
    }

    static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);

    [Theory]
    [InlineData("https://company.bitrix24.com/rest/", false, true)]
    [InlineData("https://203.0.113.7/rest/", false, true)]
    [InlineData("http://company.bitrix24.com/rest/", false, false)]
    [InlineData("https://127.0.0.1/rest/", false, false)]
    [InlineData("https://localhost/rest/", false, false)]
    [InlineData("https://portal.localhost/rest/", false, false)]
    [InlineData("https://10.1.2.3/rest/", false, false)]
    [InlineData("https://172.20.0.1/rest/", false, false)]
    [InlineData("https://192.168.1.10/rest/", false, false)]
    [InlineData("https://169.254.169.254/rest/", false, false)]
    [InlineData("https://[::1]/rest/", false, false)]
    [InlineData("https://[fd00::1]/rest/", false, false)]
    [InlineData("https://[::ffff:10.0.0.1]/rest/", false, false)]
    [InlineData("http://127.0.0.1:8080/rest/", true, true)]
    public void Portal_addresses_on_private_networks_need_explicit_permission(string endpoint, bool allowPrivate, bool allowed)
    {
        var policy = new PortalAddressPolicy(Options.Create(new Bitrix24Options { AllowPrivateNetworkPortals = allowPrivate }));
        Assert.Equal(allowed, policy.IsAllowed(new Uri(endpoint)));
    }
}
