using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TestSupport;

namespace PortalEmulator.Tests;

public sealed class OAuthServerTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    static Dictionary<string, string> Refresh(string refreshToken, string clientId = "app.test") => new()
    {
        ["grant_type"] = "refresh_token",
        ["client_id"] = clientId,
        ["client_secret"] = "test-secret",
        ["refresh_token"] = refreshToken,
    };

    [Fact]
    public async Task Refresh_by_form_post_rotates_the_pair_and_the_old_refresh_token_is_dead()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var (status, body) = await emulator.Control.RefreshAsync(portal.Admin.RefreshToken);

        Assert.Equal(200, status);
        Assert.NotEqual(portal.Admin.AccessToken, (string)body["access_token"]!);
        Assert.NotEqual(portal.Admin.RefreshToken, (string)body["refresh_token"]!);
        Assert.Equal(portal.MemberId, (string)body["member_id"]!);
        Assert.Equal(portal.ClientEndpoint, (string)body["client_endpoint"]!);
        Assert.True((long)body["expires"]! > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(3600, (int)body["expires_in"]!);
        foreach (var field in new[] { "scope", "server_endpoint", "status", "domain" })
        {
            Assert.NotNull(body[field]);
        }

        var (again, error) = await emulator.Control.RefreshAsync(portal.Admin.RefreshToken);
        Assert.Equal(400, again);
        Assert.Equal("invalid_grant", (string)error["error"]!);

        var (fresh, _) = await PortalRest.CallAsync(portal, (string)body["access_token"]!, "profile");
        Assert.Equal(200, fresh);
    }

    [Theory]
    [InlineData("hang", 200)]
    [InlineData("commitThenHang", 400)]
    public async Task A_refresh_abandoned_while_the_server_is_slow_is_spent_only_if_the_grant_was_made(string mode, int thenSameToken)
    {
        var portal = await emulator.Control.CreatePortalAsync();
        await emulator.Control.OAuthFaultAsync(new(Path: "token", Mode: mode, DelayMs: 30_000));

        using (var http = new HttpClient())
        using (var abandon = new CancellationTokenSource(TimeSpan.FromMilliseconds(2000)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                http.PostAsync(new Uri(emulator.Control.BaseAddress, "oauth/token/"), new FormUrlEncodedContent(Refresh(portal.Admin.RefreshToken)), abandon.Token));
        }

        // "hang": the server had not got to the grant; "commitThenHang": it had, and the caller never heard of the new pair.
        Assert.Equal(thenSameToken, (await emulator.Control.RefreshAsync(portal.Admin.RefreshToken)).Status);
    }

    [Fact]
    public async Task Refresh_by_get_works_too()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var query = string.Join("&", Refresh(portal.Manager.RefreshToken).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
        var answer = await emulator.Control.Http.GetFromJsonAsync<JsonObject>("/oauth/token/?" + query);
        Assert.Equal(portal.Manager.Id, (int)answer!["user_id"]!);
    }

    [Fact]
    public async Task Wrong_secret_is_invalid_client_and_unknown_token_is_invalid_grant()
    {
        var portal = await emulator.Control.CreatePortalAsync();

        var (status, body) = await emulator.Control.RefreshAsync(portal.Admin.RefreshToken, clientSecret: "wrong");
        Assert.Equal(401, status);
        Assert.Equal("invalid_client", (string)body["error"]!);

        (status, body) = await emulator.Control.RefreshAsync("no-such-token");
        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", (string)body["error"]!);

        (status, body) = await emulator.Control.RefreshAsync("no-such-token", clientId: "unknown.app");
        Assert.Equal("invalid_client", (string)body["error"]!);

        // A failed attempt must not burn the refresh token.
        (status, _) = await emulator.Control.RefreshAsync(portal.Admin.RefreshToken);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Deleted_app_is_wrong_client_with_http_200_and_unpaid_is_payment_required()
    {
        var deleted = await emulator.Control.CreatePortalAsync();
        await emulator.Control.UpdateAppAsync(deleted, new() { Deleted = true });
        var (status, body) = await emulator.Control.RefreshAsync(deleted.Admin.RefreshToken);
        Assert.Equal(200, status);
        Assert.Equal("wrong_client", (string)body["error"]!);

        var unpaid = await emulator.Control.CreatePortalAsync();
        await emulator.Control.UpdateAppAsync(unpaid, new() { PaymentRequired = true });
        (_, body) = await emulator.Control.RefreshAsync(unpaid.Admin.RefreshToken);
        Assert.Equal("PAYMENT_REQUIRED", (string)body["error"]!);
    }

    [Fact]
    public async Task App_info_describes_the_token_and_its_installation()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var answer = await emulator.Control.Http.GetFromJsonAsync<JsonObject>("/rest/app.info?auth=" + portal.Manager.AccessToken);
        var result = answer!["result"]!;
        Assert.Equal("app.test", (string)result["client_id"]!);
        Assert.Equal(portal.Manager.Id, (int)result["user_id"]!);
        Assert.Equal(portal.MemberId, (string)result["install"]!["member_id"]!);
        Assert.Equal(portal.Domain, (string)result["install"]!["domain"]!);
        Assert.Equal(portal.ClientEndpoint, (string)result["install"]!["client_endpoint"]!);

        var response = await emulator.Control.Http.GetAsync("/rest/app.info?auth=forged");
        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("invalid_token", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!);

        await emulator.Control.ExpireAsync(portal.Manager.AccessToken);
        response = await emulator.Control.Http.GetAsync("/rest/app.info?auth=" + portal.Manager.AccessToken);
        Assert.Equal("expired_token", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!);
    }

    [Fact]
    public async Task Every_oauth_call_is_logged()
    {
        var portal = await emulator.Control.CreatePortalAsync(clientId: "app.logged");
        await emulator.Control.RefreshAsync(portal.Admin.RefreshToken, clientId: "app.logged");
        var log = await emulator.Control.OAuthRequestsAsync();
        Assert.Contains(log, e => e.ClientId == "app.logged" && e.GrantType == "refresh_token" && e.Status == 200);
    }
}
