using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using B24CallListApp.Portals;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests.Portals;

/// <summary>
/// An instance killed (SIGKILL, as a crash or an evicted container) in the middle of a refresh, while
/// another instance on the same PostgreSQL database keeps serving: what is and is not recoverable.
/// </summary>
public sealed class KilledInstanceTests(PostgresAppFixture app) : IClassFixture<PostgresAppFixture>
{
    async Task<(int Status, string Body)> CallListsAsync(string session, Uri appUrl)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(appUrl, "api/calllists"));
        request.Headers.Add(PageSessions.HeaderName, session);
        using var response = await app.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    async Task<int> GrantedRefreshesAsync() => (await app.Control.OAuthRequestsAsync()).Count(r => r.GrantType == "refresh_token" && r.Status == 200);

    /// <summary>User 2's access token expires and their next call goes to an instance of its own process, where the refresh hangs as told.</summary>
    async Task<(EmulatedPortal Portal, string Admin, string User)> KillMidRefreshAsync(string mode)
    {
        var portal = await app.InstalledPortalAsync();
        var admin = await app.OpenSessionAsync(portal, 1);
        var user = await app.OpenSessionAsync(portal, 2);
        var stored = (await app.Factory.Services.GetRequiredService<IBitrix24TokenStore>().GetAsync(new AccountKey(portal.MemberId, 2), default))!;
        await app.Control.ExpireAsync(stored.AccessToken);
        var granted = await GrantedRefreshesAsync();
        await app.Control.OAuthFaultAsync(new(Path: "token", Mode: mode, DelayMs: 60_000));

        await using var doomed = await AppProcess.StartAsync(app.InstanceSettings(), "Testing");
        var logged = (await app.Control.RequestsAsync(portal)).Count;
        var call = CallListsAsync(user, doomed.Url);
        // Killed once its refresh is at the OAuth server: after the portal refused the expired token, and
        // (commitThenHang) once the grant is made, its answer still to come.
        for (var i = 0; i < 100 && !(await app.Control.RequestsAsync(portal)).Skip(logged).Any(r => r.Status == 401); i++)
        {
            await Task.Delay(50);
        }

        for (var i = 0; i < 100 && mode == "commitThenHang" && await GrantedRefreshesAsync() == granted; i++)
        {
            await Task.Delay(50);
        }

        await Task.Delay(500);
        await doomed.KillAsync();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => call);
        return (portal, admin, user);
    }

    [Fact]
    public async Task Killed_before_bitrix24_granted_the_refresh_nothing_is_lost()
    {
        var (portal, admin, user) = await KillMidRefreshAsync("hang");

        // The dead instance's lease on this account's refresh runs out within its term: the user waits no longer.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(200, (await CallListsAsync(user, app.AppUrl)).Status);
        Assert.True(waited.Elapsed < DbLeases.Term + TimeSpan.FromSeconds(5), $"the user waited {waited.Elapsed} after the instance died");
        Assert.Equal(200, (await CallListsAsync(admin, app.AppUrl)).Status);
        Assert.Equal(PortalStatus.Active, (await app.StoredPortalAsync(portal.MemberId))!.Status);
    }

    [Fact]
    public async Task Killed_after_bitrix24_granted_the_refresh_only_that_users_pair_is_lost_until_they_open_the_app_again()
    {
        var (portal, admin, user) = await KillMidRefreshAsync("commitThenHang");

        // The new pair died with the instance and the old refresh token is spent: this user is asked to open the app again.
        var lost = await CallListsAsync(user, app.AppUrl);
        Assert.Equal(401, lost.Status);
        Assert.Contains("ReinstallRequired", lost.Body, StringComparison.Ordinal);
        // Nobody else notices: the portal, its installation and every other account are as they were.
        Assert.Equal(200, (await CallListsAsync(admin, app.AppUrl)).Status);
        Assert.Equal(PortalStatus.Active, (await app.StoredPortalAsync(portal.MemberId))!.Status);

        // Opening the app again (the portal POSTs a fresh pair) restores the user.
        var reopened = await app.OpenSessionAsync(portal, 2);
        Assert.Equal(200, (await CallListsAsync(reopened, app.AppUrl)).Status);
        var stored = (await app.Factory.Services.GetRequiredService<IBitrix24TokenStore>().GetAsync(new AccountKey(portal.MemberId, 2), default))!;
        Assert.Equal(200, (await app.Control.RefreshAsync(stored.RefreshToken)).Status);
    }
}
