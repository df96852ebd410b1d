using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using B24CallListApp.Tests.CallLists;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests.Portals;

/// <summary>Several app instances on one PostgreSQL database: tokens, refreshes and saves shared between them.</summary>
public sealed class ScaleOutTests(PostgresAppFixture app) : IClassFixture<PostgresAppFixture>
{
    [Fact]
    public async Task A_hundred_calls_on_an_expired_account_over_two_instances_make_exactly_one_refresh()
    {
        await using var second = app.CreateApp();
        var portal = await app.InstalledPortalAsync();
        await app.OpenSessionAsync(portal, 2);
        var key = new AccountKey(portal.MemberId, 2);
        var before = (await app.Factory.Services.GetRequiredService<IBitrix24TokenStore>().GetAsync(key, default))!;
        await app.Control.ExpireAsync(before.AccessToken);
        var account = PortalStore.AccountOf((await app.StoredPortalAsync(portal.MemberId))!, 2);
        var clients = new[] { app.Factory.Services.GetRequiredService<Bitrix24Client>(), second.Services.GetRequiredService<Bitrix24Client>() };
        var oauth = (await app.Control.OAuthRequestsAsync()).Count;

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => clients[i % 2].CallAsync(account, "profile", null)));

        Assert.All(results, r => Assert.Equal("2", r.Result.GetProperty("ID").GetString()));
        var refreshes = (await app.Control.OAuthRequestsAsync()).Skip(oauth).Where(r => r.GrantType == "refresh_token").ToList();
        Assert.Single(refreshes);
        Assert.Equal(200, refreshes[0].Status);
        var stored = (await second.Services.GetRequiredService<IBitrix24TokenStore>().GetAsync(key, default))!;
        Assert.NotEqual(before.RefreshToken, stored.RefreshToken);
        Assert.Equal(200, (await app.Control.RefreshAsync(stored.RefreshToken)).Status);
    }

    [Fact]
    public async Task Saves_to_one_list_through_two_instances_keep_every_addition()
    {
        await using var second = app.CreateApp();
        var portal = await app.InstalledPortalAsync();
        var first = await WorkspaceClient.OpenAsync(app, portal, 1);
        var other = await WorkspaceClient.OpenAsync(app, portal, 1, appUrl: AppFixture.AddressOf(second));

        var pages = await Task.WhenAll(
            first.AddSelectedAsync(1, [30]), other.AddSelectedAsync(1, [33]),
            first.AddSelectedAsync(1, [36]), other.AddSelectedAsync(1, [39]));

        Assert.All(pages, p => Assert.Equal(200, p.Status));
        Assert.Equal([.. Enumerable.Range(1, 24), 30, 33, 36, 39], (await first.ParticipantsAsync(1)).Order());
    }

    [Fact]
    public void A_connection_string_that_points_nowhere_stops_the_start_with_a_message_naming_the_key()
    {
        var error = Assert.ThrowsAny<Exception>(() => app.CreateApp(settings: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Default"] = "Host=127.0.0.1;Port=9;Username=postgres;Database=nowhere;Timeout=2",
        }));

        var message = error.ToString();
        Assert.Contains("ConnectionStrings:Default", message, StringComparison.Ordinal);
        Assert.Contains("cannot be reached", message, StringComparison.Ordinal);
    }
}

/// <summary>The app's PostgreSQL server restarted under it.</summary>
public sealed class PostgresRestartTests(RestartablePostgresAppFixture app) : IClassFixture<RestartablePostgresAppFixture>
{
    [Fact]
    public async Task A_postgresql_restart_mid_run_loses_no_token_pair()
    {
        var portal = await app.InstalledPortalAsync();
        var session = await app.OpenSessionAsync(portal, 2);
        var key = new AccountKey(portal.MemberId, 2);
        var store = app.Factory.Services.GetRequiredService<IBitrix24TokenStore>();

        var before = (await store.GetAsync(key, default))!;

        await app.Server.RestartAsync();
        await app.Control.ExpireAsync(before.AccessToken);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.AppUrl, "api/calllists"));
        request.Headers.Add(PageSessions.HeaderName, session);
        Assert.Equal(200, (int)(await app.Http.SendAsync(request)).StatusCode);
        var stored = (await store.GetAsync(key, default))!;
        Assert.NotEqual(before.RefreshToken, stored.RefreshToken);
        Assert.Equal(200, (await app.Control.RefreshAsync(stored.RefreshToken)).Status);
    }
}
