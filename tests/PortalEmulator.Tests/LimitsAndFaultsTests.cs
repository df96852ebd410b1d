using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TestSupport;

namespace PortalEmulator.Tests;

public sealed class LimitsAndFaultsTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    [Fact]
    public async Task The_leaky_bucket_answers_503_query_limit_exceeded_past_its_capacity()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        await emulator.Control.SetLimitsAsync(portal, drainPerSecond: 0.01, capacity: 5);

        var answers = new List<(int Status, JsonObject Body)>();
        for (var i = 0; i < 8; i++)
        {
            answers.Add(await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "profile"));
        }

        Assert.Equal(5, answers.Count(a => a.Status == 200));
        Assert.All(answers.Skip(5), a => Assert.Equal((503, "QUERY_LIMIT_EXCEEDED"), (a.Status, (string)a.Body["error"]!)));

        // Another portal has a bucket of its own.
        var other = await emulator.Control.CreatePortalAsync();
        Assert.Equal(200, (await PortalRest.CallAsync(other, other.Admin.AccessToken, "profile")).Status);
    }

    [Fact]
    public async Task A_method_past_its_operating_time_answers_429_until_reset()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var (_, before) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list");
        var resetAt = (long)before["time"]!["operating_reset_at"]!;
        Assert.True(resetAt > DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        await emulator.Control.AddOperatingTimeAsync(portal, "crm.contact.list", 481);
        var (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list");
        Assert.Equal((429, "OPERATION_TIME_LIMIT"), (status, (string)body["error"]!));

        // Only that method is blocked.
        Assert.Equal(200, (await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.company.list")).Status);
    }

    [Fact]
    public async Task Injected_faults_hit_the_next_calls_of_a_method_then_stop()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        await emulator.Control.FaultAsync(portal, new(Method: "crm.calllist.get", Count: 2, Status: 500, Error: "INTERNAL_SERVER_ERROR", ErrorDescription: "boom"));

        Assert.Equal(500, (await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.get", new { ID = 1 })).Status);
        Assert.Equal(200, (await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "profile")).Status);
        Assert.Equal(500, (await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.get", new { ID = 1 })).Status);
        Assert.Equal(200, (await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.get", new { ID = 1 })).Status);

        var log = await emulator.Control.RequestsAsync(portal);
        Assert.Equal([500, 500, 200], log.Where(r => r.Method == "crm.calllist.get").Select(r => r.Status));
    }

    [Fact]
    public async Task A_fault_with_skip_lets_that_many_calls_through_first()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        await emulator.Control.FaultAsync(portal, new(Method: "crm.calllist.get", Skip: 2, Count: 1, Status: 500, Error: "INTERNAL_SERVER_ERROR"));

        for (var i = 0; i < 4; i++)
        {
            await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.get", new { ID = 1 });
        }

        var log = await emulator.Control.RequestsAsync(portal);
        Assert.Equal([200, 200, 500, 200], log.Where(r => r.Method == "crm.calllist.get").Select(r => r.Status));
    }

    [Fact]
    public async Task Error_faults_reach_batch_commands_but_drops_wait_for_a_direct_call()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        await emulator.Control.FaultAsync(portal, new(Method: "crm.calllist.get", Status: 500, Error: "INTERNAL_SERVER_ERROR"));
        await emulator.Control.FaultAsync(portal, new(Method: "profile", Mode: "drop"));

        var (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "batch", new { cmd = new[] { "crm.calllist.get?ID=1", "profile" } });
        Assert.Equal(200, status);
        Assert.Equal("INTERNAL_SERVER_ERROR", (string)body["result"]!["result_error"]![0]!["error"]!);
        Assert.Equal("1", (string)body["result"]!["result"]!["1"]!["ID"]!);

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => PortalRest.CallAsync(portal, portal.Admin.AccessToken, "profile"));
    }

    [Fact]
    public async Task A_dropped_connection_and_a_hang_are_real()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        await emulator.Control.FaultAsync(portal, new(Method: "profile", Mode: "drop"));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => PortalRest.CallAsync(portal, portal.Admin.AccessToken, "profile"));

        await emulator.Control.FaultAsync(portal, new(Method: "profile", Mode: "hang", DelayMs: 5000));
        using var client = new HttpClient { Timeout = TimeSpan.FromMilliseconds(500) };
        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => client.PostAsJsonAsync(portal.ClientEndpoint + "profile", new { auth = portal.Admin.AccessToken }));
    }

    [Fact]
    public async Task A_deleted_portal_says_so_and_a_moved_portal_redirects_to_its_new_domain()
    {
        var deleted = await emulator.Control.CreatePortalAsync();
        await emulator.Control.DeleteAsync(deleted);
        var (status, body) = await PortalRest.CallAsync(deleted, deleted.Admin.AccessToken, "profile");
        Assert.Equal("PORTAL_DELETED", (string)body["error"]!);

        var moved = await emulator.Control.CreatePortalAsync();
        var answer = await emulator.Control.MoveAsync(moved);
        var newDomain = answer.Domain;
        Assert.NotEqual(moved.Domain, newDomain);

        using var request = new HttpRequestMessage(HttpMethod.Post, moved.ClientEndpoint + "profile");
        using var response = await PortalRest.SendAsync(request);
        Assert.Equal(302, (int)response.StatusCode);
        Assert.Equal(newDomain, response.Headers.Location!.Authority);

        var info = await emulator.Control.Http.GetFromJsonAsync<JsonObject>("/rest/app.info?auth=" + moved.Admin.AccessToken);
        Assert.Equal(newDomain, (string)info!["result"]!["install"]!["domain"]!);
    }

    [Theory]
    [InlineData("/_emulator/portals", "not json")]
    [InlineData("/_emulator/portals", "[1,2]")]
    [InlineData("/_emulator/portals", """{"clientId":"a"}""")]
    [InlineData("/_emulator/portals", """{"clientId":"a","clientSecret":"b","seed":"huge"}""")]
    [InlineData("/_emulator/portals", """{"clientId":5,"clientSecret":"b"}""")]
    [InlineData("/_emulator/portals", """{"clientId":"a","clientSecret":"b","language":"english"}""")]
    [InlineData("/_emulator/tokens/expire", """{}""")]
    public async Task Malformed_control_calls_answer_400_with_an_error(string path, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await emulator.Control.Http.PostAsync(path, content);
        Assert.Equal(400, (int)response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.False(string.IsNullOrEmpty((string?)answer!["error"]));
    }

    [Theory]
    [InlineData("contacts", """{"count":0}""", "'count' must be between 1 and 100000")]
    [InlineData("contacts", """{}""", "'count' is required")]
    [InlineData("contacts", """{"count":"ten"}""", "from the request body as JSON")]
    [InlineData("contacts", "not json", "from the request body as JSON")]
    [InlineData("companies", """{"count":0}""", "'count' must be between 1 and 100000")]
    [InlineData("companies", """{"count":5,"title":""}""", "'title' must be 1 to 100 characters")]
    [InlineData("calllists", """{"entityType":"LEAD","entityIds":[1]}""", "'entityType' must be CONTACT or COMPANY")]
    [InlineData("calllists", """{"entityType":"CONTACT","entityIds":[]}""", "'entityIds' must be a non-empty array of ids")]
    [InlineData("users/2", """{"crmRead":"department"}""", "'crmRead' must be \"all\" or \"own\"")]
    [InlineData("faults", """{"method":"profile","mode":"explode"}""", "'mode' must be error, hang, drop")]
    [InlineData("faults", """{"method":"profile"}""", "'error' (or 'rawBody') is required for mode error")]
    [InlineData("faults", """{"method":"profile","count":0}""", "'count' must be at least 1, or 'share' above 0")]
    [InlineData("open", """{"url":"not a url"}""", "'url' must be an absolute URL")]
    [InlineData("open", """{"placementOptions":5}""", "'placementOptions' must be a string, an object, an array or null")]
    [InlineData("events", """{"event":"ONCRMCONTACTADD"}""", "'event' must be ONAPPINSTALL, ONAPPUPDATE or ONAPPUNINSTALL")]
    [InlineData("app", """{"handlerUrl":"/relative"}""", "'handlerUrl' must be an absolute URL")]
    public async Task Typed_control_bodies_that_break_their_rules_answer_400_saying_why(string path, string body, string error)
    {
        var portal = await emulator.Control.CreatePortalAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await emulator.Control.Http.PostAsync($"/_emulator/portals/{portal.MemberId}/{path}", content);

        Assert.Equal(400, (int)response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains(error, (string)answer!["error"]!, StringComparison.Ordinal);
        // Nothing was added.
        var (_, contacts) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { select = new[] { "ID" } });
        Assert.Equal(300, (int)contacts["total"]!);
        var (_, companies) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.company.list", new { select = new[] { "ID" } });
        Assert.Equal(40, (int)companies["total"]!);
        Assert.Equal(3, (await emulator.Control.GetPortalAsync(portal)).CallLists.Count);
    }

    [Fact]
    public async Task Malformed_faults_answer_400_and_unknown_portals_404()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        using var bad = await emulator.Control.Http.PostAsJsonAsync($"/_emulator/portals/{portal.MemberId}/faults", new { method = "profile", mode = "explode" });
        Assert.Equal(400, (int)bad.StatusCode);
        using var missing = await emulator.Control.Http.PostAsJsonAsync("/_emulator/portals/nope/faults", new { method = "profile", error = "X" });
        Assert.Equal(404, (int)missing.StatusCode);
    }

    [Fact]
    public async Task A_malformed_rest_body_gets_a_bitrix24_error()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        using var content = new StringContent("{broken", System.Text.Encoding.UTF8, "application/json");
        using var response = await emulator.Control.Http.PostAsync(portal.ClientEndpoint + "profile", content);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("INVALID_REQUEST", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!);
    }
}
