using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using TestSupport;

namespace B24CallListApp.Tests.Bitrix24;

[Collection(PortalClockCollection.Name)]
public sealed partial class Bitrix24ClientTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    EmulatorControl Control => emulator.Control;

    /// <summary>The fixture, for the tests in the other files of this class (primary constructor parameters are seen in this one only).</summary>
    EmulatorFixture Emulator => emulator;

    [Fact]
    public async Task Hundred_concurrent_calls_on_an_expired_token_cause_one_refresh()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Manager);
        await Control.ExpireAsync(portal.Manager.AccessToken);
        var refreshesBefore = (await Control.OAuthRequestsAsync()).Count(r => r.GrantType == "refresh_token");

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => harness.Client.CallAsync(account, "profile", null)));

        Assert.All(results, r => Assert.Equal("2", r.Result.GetProperty("ID").GetString()));
        var refreshes = (await Control.OAuthRequestsAsync()).Count(r => r.GrantType == "refresh_token") - refreshesBefore;
        Assert.Equal(1, refreshes);
        var stored = harness.Store.Peek(account.Key)!;
        Assert.NotEqual(portal.Manager.AccessToken, stored.AccessToken);
        Assert.NotEqual(portal.Manager.RefreshToken, stored.RefreshToken);
    }

    [Fact]
    public async Task The_used_refresh_token_is_rejected_by_the_portal_but_never_by_the_client()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);
        await Control.ExpireAsync(portal.Admin.AccessToken);
        await harness.Client.CallAsync(account, "profile", null);

        var (status, body) = await Control.RefreshAsync(portal.Admin.RefreshToken);
        Assert.Equal((400, "invalid_grant"), (status, (string)body["error"]!));

        // The second expiry refreshes with the rotated token the store holds.
        await Control.ExpireAsync(harness.Store.Peek(account.Key)!.AccessToken);
        var result = await harness.Client.CallAsync(account, "profile", null);
        Assert.True(result.Result.GetProperty("ADMIN").GetBoolean());
    }

    [Fact]
    public async Task Two_instances_refreshing_one_account_at_once_make_one_refresh_and_share_its_pair()
    {
        // Two app instances on one store; the first one's database write is slow.
        var shared = new MemoryTokenStore();
        await using var first = new ClientHarness(Control, store: shared, writes: store => new SlowWrites(store, TimeSpan.FromSeconds(1)));
        await using var second = new ClientHarness(Control, store: shared);
        var portal = await Control.CreatePortalAsync();
        var account = first.Account(portal, portal.Admin);
        await Control.ExpireAsync(portal.Admin.AccessToken);
        var before = (await Control.OAuthRequestsAsync()).Count;

        var winner = first.Client.CallAsync(account, "profile", null);
        // The second instance starts once the first has spent the refresh token, while its write is still under way.
        while (!(await Control.OAuthRequestsAsync()).Skip(before).Any(r => r.GrantType == "refresh_token"))
        {
            await Task.Delay(20);
        }

        var loser = second.Client.CallAsync(account, "profile", null);
        await Task.WhenAll(winner, loser);

        var refreshes = (await Control.OAuthRequestsAsync()).Skip(before).Where(r => r.GrantType == "refresh_token").ToList();
        Assert.Single(refreshes, r => r.Status == 200);
        Assert.All(refreshes.Where(r => r.Status != 200), r => Assert.Equal("invalid_grant", r.Error));
        Assert.Equal("1", (await winner).Result.GetProperty("ID").GetString());
        Assert.Equal("1", (await loser).Result.GetProperty("ID").GetString());
        var kept = shared.Peek(account.Key)!;
        Assert.NotEqual(portal.Admin.RefreshToken, kept.RefreshToken);
        Assert.Equal(200, (await Control.RefreshAsync(kept.RefreshToken)).Status);
    }

    /// <summary>The client's limits, with each portal's bucket in this instance or in the test run's Redis.</summary>
    static async Task<Dictionary<string, string?>> LimitsAsync(int burst, int perSecond, bool inRedis)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Bitrix24:RateLimit:BurstLimit"] = burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bitrix24:RateLimit:RequestsPerSecond"] = perSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (inRedis)
        {
            settings["Redis:Configuration"] = (await RedisServer.GetAsync()).Configuration;
        }

        return settings;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_burst_of_four_buckets_stays_under_the_limit_and_does_not_slow_another_portal(bool inRedis)
    {
        await using var harness = new ClientHarness(Control, await LimitsAsync(10, 20, inRedis));
        var busy = await Control.CreatePortalAsync();
        var quiet = await Control.CreatePortalAsync();
        await Control.SetLimitsAsync(busy, drainPerSecond: 20, capacity: 10);
        var busyAccount = harness.Account(busy, busy.Admin);
        var quietAccount = harness.Account(quiet, quiet.Admin);
        // An instance already serving (connections open, code compiled): a cold start's first calls leave later
        // than scheduled and arrive together, which is not what this test measures (see SharedRateLimitTests).
        await harness.Client.CallAsync(busyAccount, "profile", null);
        await harness.Client.CallAsync(quietAccount, "profile", null);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var (busyBefore, quietBefore) = ((await Control.RequestsAsync(busy)).Count, (await Control.RequestsAsync(quiet)).Count);

        var burst = Task.WhenAll(Enumerable.Range(0, 40).Select(_ => harness.Client.CallAsync(busyAccount, "profile", null)));
        await Task.Delay(100);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => harness.Client.CallAsync(quietAccount, "profile", null)));
        await burst;

        // The portal's own clock: in every window, no more than the bucket plus what drained meanwhile.
        var busyLog = (await Control.RequestsAsync(busy)).Skip(busyBefore).ToList();
        var arrivals = busyLog.Where(r => r.Method == "profile").Select(r => r.At).Order().ToList();
        Assert.Equal(40, arrivals.Count);
        Assert.DoesNotContain(busyLog, r => r.Status == 503);
        for (var i = 0; i < arrivals.Count; i++)
        {
            for (var j = i; j < arrivals.Count; j++)
            {
                var allowed = 10 + (20 * (arrivals[j] - arrivals[i]) / 1000.0) + 1;
                Assert.True(j - i + 1 <= allowed, $"{j - i + 1} requests in {arrivals[j] - arrivals[i]} ms");
            }
        }

        // The quiet portal did not queue behind the busy one: its calls all arrived before the busy burst ended.
        var quietArrivals = (await Control.RequestsAsync(quiet)).Skip(quietBefore).Select(r => r.At).ToList();
        Assert.Equal(5, quietArrivals.Count);
        Assert.True(quietArrivals.Max() < arrivals[^5], "the quiet portal waited for the busy one");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_query_limit_exceeded_the_retry_waits_at_least_one_drain_interval(bool inRedis)
    {
        await using var harness = new ClientHarness(Control, await LimitsAsync(50, 2, inRedis));
        var portal = await Control.CreatePortalAsync();
        await Control.SetLimitsAsync(portal, drainPerSecond: 2, capacity: 50);
        var account = harness.Account(portal, portal.Admin);
        await Control.FaultAsync(portal, new(Method: "crm.calllist.get", Count: 1, Status: 503, Error: "QUERY_LIMIT_EXCEEDED"));

        await harness.Client.CallAsync(account, "crm.calllist.get", new { ID = 1 });

        var calls = (await Control.RequestsAsync(portal)).Where(r => r.Method == "crm.calllist.get").ToList();
        Assert.Equal([503, 200], calls.Select(c => c.Status));
        // At 2 requests a second the bucket frees a slot every 500 ms: the retry comes no sooner.
        Assert.True(calls[1].At - calls[0].At >= 500, $"the retry came {calls[1].At - calls[0].At} ms after the 503");
    }

    [Fact]
    public async Task Query_limit_exceeded_makes_reads_back_off_and_retry_but_never_repeats_a_create()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);

        await Control.FaultAsync(portal, new(Method: "crm.calllist.list", Count: 2, Status: 503, Error: "QUERY_LIMIT_EXCEEDED", ErrorDescription: "Too many requests"));
        var lists = await harness.Client.CallAsync(account, "crm.calllist.list", null);
        Assert.Equal(3, lists.Result.GetArrayLength());

        await Control.FaultAsync(portal, new(Method: "crm.calllist.add", Count: 1, Status: 503, Error: "QUERY_LIMIT_EXCEEDED"));
        await Assert.ThrowsAsync<Bitrix24RateLimitException>(() =>
            harness.Client.CallAsync(account, "crm.calllist.add", new { ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1, 2 } }));

        var log = await Control.RequestsAsync(portal);
        Assert.Equal(3, log.Count(r => r.Method == "crm.calllist.list"));
        Assert.Single(log, r => r.Method == "crm.calllist.add");
        Assert.Equal(3, (await Control.GetPortalAsync(portal)).CallLists.Count);
    }

    [Theory]
    [InlineData("crm.calllist.get", true)]
    [InlineData("crm.calllist.update", true)]
    [InlineData("crm.calllist.add", false)]
    public async Task Server_errors_are_retried_only_where_repeating_is_safe(string method, bool repeats)
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);
        await Control.FaultAsync(portal, new(Method: method, Count: 2, Status: 500, Error: "INTERNAL_SERVER_ERROR"));

        object parameters = method switch
        {
            "crm.calllist.get" => new { ID = 1 },
            "crm.calllist.update" => new { LIST_ID = 1, ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1, 2 }, WEBFORM_ID = 3 },
            _ => new { ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1, 2 } },
        };
        if (repeats)
        {
            await harness.Client.CallAsync(account, method, parameters);
        }
        else
        {
            var error = await Assert.ThrowsAsync<Bitrix24ApiException>(() => harness.Client.CallAsync(account, method, parameters));
            Assert.Equal("INTERNAL_SERVER_ERROR", error.Code);
        }

        var calls = (await Control.RequestsAsync(portal)).Count(r => r.Method == method);
        Assert.Equal(repeats ? 3 : 1, calls);
    }

    [Fact]
    public async Task Drops_and_hangs_are_retried_for_reads_and_reported_as_distinct_errors_for_creates()
    {
        await using var harness = new ClientHarness(Control, new() { ["Bitrix24:RequestTimeout"] = "00:00:00.500" });
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);

        await Control.FaultAsync(portal, new(Method: "crm.calllist.get", Mode: "drop"));
        await Control.FaultAsync(portal, new(Method: "crm.calllist.statuslist", Mode: "hang", DelayMs: 5000));
        await harness.Client.CallAsync(account, "crm.calllist.get", new { ID = 1 });
        await harness.Client.CallAsync(account, "crm.calllist.statuslist", null);

        await Control.FaultAsync(portal, new(Method: "crm.calllist.add", Mode: "drop"));
        await Assert.ThrowsAsync<Bitrix24ConnectionException>(() => harness.Client.CallAsync(account, "crm.calllist.add", new { ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1 } }));
        await Control.FaultAsync(portal, new(Method: "crm.calllist.add", Mode: "hang", DelayMs: 5000));
        await Assert.ThrowsAsync<Bitrix24TimeoutException>(() => harness.Client.CallAsync(account, "crm.calllist.add", new { ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1 } }));

        var log = await Control.WaitForRequestsAsync(portal, l => l.Count(r => r.Method == "crm.calllist.add") >= 2 && l.Count(r => r.Method == "crm.calllist.statuslist") >= 2);
        Assert.Equal([0, 200], log.Where(r => r.Method == "crm.calllist.get").Select(r => r.Status));
        var statuses = log.Where(r => r.Method == "crm.calllist.statuslist").ToList();
        // The hang was abandoned by the client (nginx's 499), and the retry answered.
        Assert.Equal([499, 200], statuses.OrderBy(r => r.At).Select(r => r.Status));
        Assert.True(statuses.Max(r => r.At) - statuses.Min(r => r.At) >= 450, "the retry came before the first attempt timed out");
        Assert.Equal(2, log.Count(r => r.Method == "crm.calllist.add"));
        Assert.Equal(0, (await Control.GetPortalAsync(portal)).CallLists.Count(l => l.Id > 3));
    }

    [Fact]
    public async Task A_portal_name_that_resolves_to_a_private_address_is_refused_where_the_socket_connects()
    {
        await using var harness = new ClientHarness(Control, new()
        {
            ["Bitrix24:AllowPrivateNetworkPortals"] = "false",
            ["Bitrix24:OAuthServers:0"] = "https://oauth.bitrix.info/",
        });
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);
        // A name, not a literal address: the client's only check is where the socket would connect.
        var port = new Uri(portal.ClientEndpoint).Port;
        account = account with { ClientEndpoint = new Uri($"https://localhost:{port}/rest/") };

        await Assert.ThrowsAsync<Bitrix24ForbiddenAddressException>(() => harness.Client.CallAsync(account, "profile", null));
        Assert.Empty(await Control.RequestsAsync(portal));
    }

    [Fact]
    public async Task Dead_refresh_token_deleted_app_and_payment_are_distinct_errors()
    {
        await using var harness = new ClientHarness(Control);

        var dead = await Control.CreatePortalAsync();
        var deadAccount = harness.Account(dead, dead.Admin);
        await PortalRest.FormAsync(dead.OAuthServer + "oauth/token/", new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = "app.test",
            ["client_secret"] = "test-secret",
            ["refresh_token"] = dead.Admin.RefreshToken,
        });
        await Control.ExpireAsync(dead.Admin.AccessToken);
        await Assert.ThrowsAsync<Bitrix24ReinstallRequiredException>(() => harness.Client.CallAsync(deadAccount, "profile", null));

        var deleted = await Control.CreatePortalAsync();
        var deletedAccount = harness.Account(deleted, deleted.Admin);
        await Control.ExpireAsync(deleted.Admin.AccessToken);
        await Control.UpdateAppAsync(deleted, new() { Deleted = true });
        await Assert.ThrowsAsync<Bitrix24AppDeletedException>(() => harness.Client.CallAsync(deletedAccount, "profile", null));

        var unpaid = await Control.CreatePortalAsync();
        var unpaidAccount = harness.Account(unpaid, unpaid.Admin);
        await Control.ExpireAsync(unpaid.Admin.AccessToken);
        await Control.UpdateAppAsync(unpaid, new() { PaymentRequired = true });
        await Assert.ThrowsAsync<Bitrix24PaymentRequiredException>(() => harness.Client.CallAsync(unpaidAccount, "profile", null));

        await using var misconfigured = new ClientHarness(Control, new() { ["Bitrix24:ClientSecret"] = "wrong" });
        var portal = await Control.CreatePortalAsync();
        var account = misconfigured.Account(portal, portal.Admin);
        await Control.ExpireAsync(portal.Admin.AccessToken);
        await Assert.ThrowsAsync<Bitrix24InvalidClientException>(() => misconfigured.Client.CallAsync(account, "profile", null));
        // The failed refresh left the stored pair alone.
        Assert.Equal(portal.Admin.RefreshToken, misconfigured.Store.Peek(account.Key)!.RefreshToken);
    }

    [Fact]
    public async Task Portal_errors_become_typed_exceptions()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Manager);

        var denied = await Assert.ThrowsAsync<Bitrix24AccessDeniedException>(() => harness.Client.CallAsync(account, "placement.bind", new { PLACEMENT = "CRM_CONTACT_LIST_MENU", HANDLER = "https://x.example/" }));
        Assert.Equal("ACCESS_DENIED", denied.Code);
        var listError = await Assert.ThrowsAsync<Bitrix24ApiException>(() => harness.Client.CallAsync(account, "crm.calllist.get", new { ID = 999 }));
        Assert.Equal(("LIST_ID_ERROR", 400), (listError.Code, listError.HttpStatus));

        await Control.FaultAsync(portal, new(Method: "crm.calllist.add", RawBody: "<html><body>502 Bad Gateway</body></html>", Status: 502));
        var html = await Assert.ThrowsAsync<Bitrix24UnexpectedResponseException>(() => harness.Client.CallAsync(account, "crm.calllist.add", new { ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1 } }));
        Assert.Equal(502, html.HttpStatus);
        await Control.FaultAsync(portal, new(Method: "crm.calllist.add", RawBody: "", Status: 200));
        await Assert.ThrowsAsync<Bitrix24UnexpectedResponseException>(() => harness.Client.CallAsync(account, "crm.calllist.add", new { ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1 } }));
        await Control.FaultAsync(portal, new(Method: "crm.calllist.add", RawBody: "{\"result\":", Status: 200));
        await Assert.ThrowsAsync<Bitrix24UnexpectedResponseException>(() => harness.Client.CallAsync(account, "crm.calllist.add", new { ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1 } }));
        // A byte order mark before the JSON (some proxies add one) is not an error.
        await Control.FaultAsync(portal, new(Method: "profile", RawBody: "\uFEFF{\"result\":{\"ID\":\"7\"}}", Status: 200));
        Assert.Equal("7", (await harness.Client.CallAsync(account, "profile", null)).Result.GetProperty("ID").GetString());

        await Control.AddOperatingTimeAsync(portal, "crm.contact.list", 500);
        var limited = await Assert.ThrowsAsync<Bitrix24OperationTimeLimitException>(() => harness.Client.CallAsync(account, "crm.contact.list", null));
        Assert.True(limited.ResetAt > DateTimeOffset.UtcNow);
        var before = (await Control.RequestsAsync(portal)).Count;
        // Blocked locally until the reset: the portal is not asked again.
        await Assert.ThrowsAsync<Bitrix24OperationTimeLimitException>(() => harness.Client.CallAsync(account, "crm.contact.list", null));
        Assert.Equal(before, (await Control.RequestsAsync(portal)).Count);

        var deleted = await Control.CreatePortalAsync();
        var deletedAccount = harness.Account(deleted, deleted.Admin);
        await Control.DeleteAsync(deleted);
        var gone = await Assert.ThrowsAsync<Bitrix24PortalDeletedException>(() => harness.Client.CallAsync(deletedAccount, "profile", null));
        Assert.Equal("PORTAL_DELETED", gone.Code);
    }

    [Fact]
    public async Task A_moved_portal_is_followed_to_the_address_the_oauth_server_reports()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);
        var newDomain = (string)(await Control.MoveAsync(portal)).Domain;

        // crm.calllist.add is not repeatable, but a redirect answers before anything runs.
        var created = await harness.Client.CallAsync(account, "crm.calllist.add", new { ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1 } });
        Assert.Equal(4, created.Result.GetInt32());
        Assert.Equal(new Uri($"http://{newDomain}/rest/"), harness.Portals.Moves[portal.MemberId]);
        Assert.Equal(4, (await Control.GetPortalAsync(portal)).CallLists.Count);
    }

    [Fact]
    public async Task A_redirect_the_oauth_server_does_not_confirm_is_not_followed()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);
        var trap = await Control.CreatePortalAsync();
        await Control.FaultAsync(portal, new(Method: "profile", Status: 302, RawBody: "", Location: $"http://{trap.Domain}/rest/profile.json"));

        var error = await Assert.ThrowsAsync<Bitrix24PortalMovedException>(() => harness.Client.CallAsync(account, "profile", null));
        Assert.Equal(trap.Domain, error.NewDomain);
        Assert.Empty(harness.Portals.Moves);
        Assert.Empty(await Control.RequestsAsync(trap));
    }

    [Fact]
    public void Batch_commands_are_encoded_as_php_queries()
    {
        var query = Bitrix24Query.Encode(JsonNode.Parse("""{"FILTER":{">=ID":5,"%NAME":"a b"},"SELECT":["ID","NAME"],"start":50}""")!.AsObject());
        Assert.Equal("FILTER%5B%3E%3DID%5D=5&FILTER%5B%25NAME%5D=a%20b&SELECT%5B0%5D=ID&SELECT%5B1%5D=NAME&start=50", query);
        Assert.Equal("", Bitrix24Query.Encode(null));
    }
}
