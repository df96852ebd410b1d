using System.Diagnostics;
using B24CallListApp.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests.Portals;

/// <summary>What an outsider can make the app do without a genuine token, and where the key ring lives.</summary>
public sealed partial class TrustTests
{
    // ---- 4. Unauthenticated amplification.

    [Theory]
    [InlineData("AUTH_ID", "has spaces in it and more")]
    [InlineData("AUTH_ID", "short")]
    [InlineData("member_id", "0123456789abcdef\n2026-11-26 INFO forged log line")]
    [InlineData("SERVER_ENDPOINT", "not a url at all")]
    [InlineData("REFRESH_ID", "<script>alert(1)</script>")]
    [InlineData("DOMAIN", "evil.example/path?x=1")]
    [InlineData("DOMAIN", "evil.example:99999")]
    public async Task Values_that_cannot_be_what_they_claim_are_refused_before_the_oauth_server_is_asked(string field, string value)
    {
        var portal = await App.InstalledPortalAsync();
        var fields = await App.Control.FramePostFieldsAsync(portal, 1);
        var domain = portal.Domain;
        if (field == "DOMAIN")
        {
            domain = value;
        }
        else
        {
            fields[field] = value;
        }

        var calls = await OAuthCallsAsync();
        foreach (var path in new[] { "", "install" })
        {
            using var response = await PostFormAsync($"{path}?DOMAIN={Uri.EscapeDataString(domain)}&PROTOCOL=0", fields);
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Contains("data-message=\"BadRequest\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(calls, await OAuthCallsAsync());
        Assert.DoesNotContain(App.Logs.Lines, l => l.Contains("forged log line", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_megabyte_of_token_is_refused_by_size_without_asking_the_oauth_server()
    {
        var calls = await OAuthCallsAsync();
        var fields = new Dictionary<string, string> { ["AUTH_ID"] = new string('a', 1_000_000), ["member_id"] = "0123456789abcdef0123456789abcdef", ["SERVER_ENDPOINT"] = App.Control.BaseAddress + "rest/" };
        foreach (var path in new[] { "", "install", "events" })
        {
            using var response = await PostFormAsync($"{path}?DOMAIN=portal.example", fields);
            Assert.Equal(413, (int)response.StatusCode);
        }

        Assert.Equal(calls, await OAuthCallsAsync());
    }

    [Fact]
    public async Task Unverified_values_reach_the_log_only_cut_short()
    {
        var memberId = new string('7', 128);
        var fields = new Dictionary<string, string> { ["AUTH_ID"] = new string('a', 64), ["member_id"] = memberId, ["SERVER_ENDPOINT"] = "https://oauth.attacker.example/rest/" };

        using var response = await PostFormAsync("?DOMAIN=portal.example", fields);

        Assert.Equal(403, (int)response.StatusCode);
        Assert.Contains(App.Logs.Lines, l => l.Contains("not a trusted OAuth server", StringComparison.Ordinal) && l.Contains(memberId[..40], StringComparison.Ordinal));
        Assert.DoesNotContain(App.Logs.Lines, l => l.Contains(memberId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flood_from_one_address_is_limited_while_other_addresses_still_open_the_app()
    {
        await using var instance = App.CreateApp(settings: new Dictionary<string, string?> { ["PortalPosts:PerAddressBurst"] = "5", ["PortalPosts:PerAddressPerSecond"] = "1" });
        var appUrl = AppFixture.AddressOf(instance);
        var portal = await App.InstalledPortalAsync();
        var calls = await OAuthCallsAsync();

        using var flooder = LoopbackClients.From("127.0.0.66");
        var statuses = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            var forged = new Dictionary<string, string> { ["AUTH_ID"] = $"forged{i:D10}token", ["member_id"] = portal.MemberId, ["SERVER_ENDPOINT"] = portal.OAuthServer + "rest/" };
            using var response = await PostFormAsync($"?DOMAIN={portal.Domain}&PROTOCOL=0", forged, appUrl, flooder);
            statuses.Add((int)response.StatusCode);
        }

        Assert.True(statuses.Count(s => s == 429) >= 20, string.Join(",", statuses));
        Assert.InRange(await OAuthCallsAsync() - calls, 1, 10);

        using var user = LoopbackClients.From("127.0.0.2");
        using var genuine = await PostFormAsync($"?DOMAIN={portal.Domain}&PROTOCOL=0", await App.Control.FramePostFieldsAsync(portal, 2), appUrl, user);
        Assert.Equal(200, (int)genuine.StatusCode);
    }

    [Fact]
    public async Task Verification_gives_up_quickly_when_the_oauth_server_hangs()
    {
        await using var instance = App.CreateApp(settings: new Dictionary<string, string?> { ["Bitrix24:VerifyTimeout"] = "00:00:01" });
        var portal = await App.InstalledPortalAsync();
        await App.Control.OAuthFaultAsync(new(Path: "app.info", DelayMs: 20_000));

        var watch = Stopwatch.StartNew();
        using var response = await PostFormAsync($"?DOMAIN={portal.Domain}&PROTOCOL=0&LANG=ru", await App.Control.FramePostFieldsAsync(portal, 2), AppFixture.AddressOf(instance));

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Contains("data-message=\"PortalUnreachable\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the user waited {watch.Elapsed}");
    }

    // ---- 6. The key ring can be kept apart from the data.

    [Fact]
    public async Task With_a_keys_path_the_key_ring_stays_out_of_the_database()
    {
        var keys = Directory.CreateTempSubdirectory("b24-keys-");
        var database = Path.Combine(Path.GetTempPath(), $"b24calllist-keys-{Guid.NewGuid():N}.db");
        try
        {
            await using (var instance = App.CreateApp(settings: new Dictionary<string, string?> { ["ConnectionStrings:Default"] = $"Data Source={database}", ["DataProtection:KeysPath"] = keys.FullName }))
            {
                var appUrl = AppFixture.AddressOf(instance);
                var portal = await App.Control.CreatePortalAsync(app: new() { InstallUrl = appUrl + "install" });
                Assert.Equal(200, (await App.Control.InstallAsync(portal, new(Finish: true))).Status);
                await using var db = await instance.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDb>>().CreateDbContextAsync();
                Assert.Empty(db.DataProtectionKeys);
                Assert.NotEmpty(Assert.Single(db.Accounts).ProtectedRefreshToken);
            }

            Assert.NotEmpty(keys.GetFiles("key-*.xml"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            keys.Delete(recursive: true);
            File.Delete(database);
        }
    }

    [Fact]
    public void In_production_an_unprotected_key_ring_is_warned_about_at_start()
    {
        using var instance = App.CreateApp("Production");
        Assert.Contains(App.Logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("DataProtection:KeysPath", StringComparison.Ordinal));
        Assert.Contains(App.Logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("App:PublicUrl", StringComparison.Ordinal));
    }
}
