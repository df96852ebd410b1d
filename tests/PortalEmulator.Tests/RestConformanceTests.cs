using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using TestSupport;

namespace PortalEmulator.Tests;

public sealed class RestConformanceTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    [Fact]
    public async Task Auth_errors_follow_bitrix24()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var other = await emulator.Control.CreatePortalAsync();

        var (status, body) = await PortalRest.CallAsync(portal, null, "profile");
        Assert.Equal((401, "NO_AUTH_FOUND"), (status, (string)body["error"]!));

        (status, body) = await PortalRest.CallAsync(portal, "forged", "profile");
        Assert.Equal((401, "invalid_token"), (status, (string)body["error"]!));

        // Another portal's token is worth nothing here.
        (status, body) = await PortalRest.CallAsync(portal, other.Admin.AccessToken, "profile");
        Assert.Equal((401, "invalid_token"), (status, (string)body["error"]!));

        await emulator.Control.ExpireAsync(portal.Manager.AccessToken);
        (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "profile");
        Assert.Equal((401, "expired_token"), (status, (string)body["error"]!));
    }

    [Fact]
    public async Task Bearer_header_json_suffix_doubled_slash_and_form_bodies_all_reach_the_method()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, portal.ClientEndpoint.Replace("/rest/", "/rest//", StringComparison.Ordinal) + "profile.json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", portal.Admin.AccessToken);
        using var response = await PortalRest.SendAsync(request);
        var profile = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(200, (int)response.StatusCode);
        Assert.True((bool)profile["result"]!["ADMIN"]!);
        Assert.Equal("1", (string)profile["result"]!["ID"]!);
        foreach (var field in new[] { "start", "finish", "duration", "processing", "operating", "operating_reset_at", "date_start", "date_finish" })
        {
            Assert.NotNull(profile["time"]![field]);
        }

        var (status, body) = await PortalRest.FormAsync(portal.ClientEndpoint + "crm.calllist.update", new Dictionary<string, string>
        {
            ["auth"] = portal.Admin.AccessToken,
            ["LIST_ID"] = "1",
            ["ENTITY_TYPE"] = "CONTACT",
            ["ENTITIES[]"] = "5",
            ["WEBFORM_ID"] = "3",
        });
        Assert.Equal(200, status);
        Assert.True((bool)body["result"]!);
        var list = await ListAsync(portal, 1);
        Assert.Equal([5], list.Items);
    }

    [Fact]
    public async Task Update_replaces_the_set_and_an_omitted_form_is_cleared()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var before = await ListAsync(portal, 1);
        Assert.Equal(3, before.WebFormId);
        Assert.Equal(24, before.Items.Count);

        var (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.update",
            new { LIST_ID = 1, ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1, 2, 300 } });
        Assert.Equal(200, status);
        Assert.True((bool)body["result"]!);

        var after = await ListAsync(portal, 1);
        Assert.Equal([1, 2, 300], after.Items);
        Assert.Null(after.WebFormId);
    }

    [Theory]
    [InlineData("""{"LIST_ID":1,"ENTITY_TYPE":"CONTACT","ENTITIES":[]}""", 400, "ENTITIES_ERROR", "Incorrect entities id")]
    [InlineData("""{"LIST_ID":1,"ENTITY_TYPE":"CONTACT","ENTITIES":[1,1]}""", 400, "ENTITIES_ERROR", "Incorrect entities id")]
    [InlineData("""{"LIST_ID":1,"ENTITY_TYPE":"CONTACT","ENTITIES":[999999]}""", 400, "ENTITIES_ERROR", "Incorrect entities id")]
    [InlineData("""{"LIST_ID":1,"ENTITY_TYPE":"CONTACT","ENTITIES":"1"}""", 400, "ENTITIES_ERROR", "Entities is not array")]
    [InlineData("""{"LIST_ID":1,"ENTITY_TYPE":"contact","ENTITIES":[1]}""", 400, "ENTITY_TYPE_ERROR", "EntityType is incorrect")]
    [InlineData("""{"LIST_ID":1,"ENTITY_TYPE":"COMPANY","ENTITIES":[1]}""", 400, "ENTITY_TYPE_ERROR", "Discrepancy between the type of call participants and incoming type")]
    [InlineData("""{"LIST_ID":777,"ENTITY_TYPE":"CONTACT","ENTITIES":[1]}""", 400, "LIST_ID_ERROR", "Incorrect list id or access denied")]
    [InlineData("""{"LIST_ID":1,"ENTITY_TYPE":"CONTACT","ENTITIES":[1],"WEBFORM_ID":99}""", 400, "WEBFORM_ERROR", "Incorrect webform id")]
    [InlineData("""{"ENTITY_TYPE":"CONTACT","ENTITIES":[1]}""", 400, "ERROR_ARGUMENT", null)]
    // Order of checks: the entity type is judged before the list exists.
    [InlineData("""{"LIST_ID":777,"ENTITY_TYPE":"LEAD","ENTITIES":[1]}""", 400, "ENTITY_TYPE_ERROR", "EntityType is incorrect")]
    public async Task Update_errors_come_in_the_documented_order(string parameters, int expectedStatus, string expectedCode, string? expectedDescription)
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var before = await ListAsync(portal, 1);

        var (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.update", JsonNode.Parse(parameters));
        Assert.Equal(expectedStatus, status);
        Assert.Equal(expectedCode, (string)body["error"]!);
        if (expectedDescription is not null)
        {
            Assert.Equal(expectedDescription, (string)body["error_description"]!);
        }

        var after = await ListAsync(portal, 1);
        Assert.Equal(before.Items, after.Items);
        Assert.Equal(before.WebFormId, after.WebFormId);
    }

    [Fact]
    public async Task New_ids_a_user_cannot_read_are_dropped_silently()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        // Manager (user 2) reads contacts whose id % 3 == 1; list 3 holds contacts 100..174.
        var (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.update",
            new { LIST_ID = 3, ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 100, 101, 4, 5 }, WEBFORM_ID = 1 });
        Assert.Equal(200, status);
        Assert.True((bool)body["result"]!);

        var list = await ListAsync(portal, 3);
        Assert.Equal([100, 101, 4], list.Items); // 5 is not readable and was not in the list
    }

    [Fact]
    public async Task Items_pages_are_cut_by_rights_and_an_empty_page_is_access_error()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.items.get", new { LIST_ID = 3 });
        Assert.Equal(200, status);
        var rows = body["result"]!.AsArray();
        Assert.InRange(rows.Count, 1, 49); // a short page although the list goes on
        Assert.Equal(3, (int)rows[0]!["ENTITY_TYPE"]!);
        Assert.IsType<string>((string)rows[0]!["ID"]!);
        Assert.Null(body["next"]);
        Assert.Null(body["total"]);

        (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.items.get", new { LIST_ID = 3, start = 50 });
        Assert.Equal(200, status);

        (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.items.get", new { LIST_ID = 3, start = 100 });
        Assert.Equal((403, "ACCESS_ERROR"), (status, (string)body["error"]!));
    }

    [Fact]
    public async Task Calllist_list_and_get_give_strings_and_no_paging_fields()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.list", new { FILTER = new Dictionary<string, object> { [">=ID"] = 2 } });
        Assert.Equal(200, status);
        Assert.Equal(["2", "3"], body["result"]!.AsArray().Select(r => (string)r!["ID"]!));
        Assert.Null(body["total"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", (string)body["result"]![0]!["DATE_CREATE"]!);

        (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.get", new { ID = 2 });
        Assert.Equal("COMPANY", (string)body["result"]!["ENTITY_TYPE"]!);
        Assert.Equal("4", (string)body["result"]!["ENTITY_TYPE_ID"]!);

        (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.get", new { LIST_ID = 2 });
        Assert.Equal((400, "LIST_ID_ERROR"), (status, (string)body["error"]!));
    }

    [Fact]
    public async Task Add_creates_a_list_with_readable_ids_only_and_validates_like_update()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.add", new { ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 1, 2, 4 }, WEBFORM_ID = 2 });
        Assert.Equal(200, status);
        var id = (int)body["result"]!;
        var list = await ListAsync(portal, id);
        Assert.Equal([1, 4], list.Items);
        Assert.Equal(2, list.WebFormId);

        (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.add", new { ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 2, 3 } });
        Assert.Equal((403, "ACCESS_ERROR"), (status, (string)body["error"]!));

        (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.add", new { ENTITY_TYPE = "DEAL", ENTITIES = new[] { 1 } });
        Assert.Equal((400, "ENTITY_TYPE_ERROR"), (status, (string)body["error"]!));
    }

    [Fact]
    public async Task Contact_list_pages_by_50_with_numeric_total_and_next_and_filters_by_prefix()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { select = new[] { "ID", "NAME" }, start = 50 });
        Assert.Equal(200, status);
        Assert.Equal(50, body["result"]!.AsArray().Count);
        Assert.Equal(300, (int)body["total"]!);
        Assert.Equal(100, (int)body["next"]!);
        Assert.Equal(System.Text.Json.JsonValueKind.Number, body["total"]!.GetValueKind());
        Assert.Null(body["result"]![0]!["PHONE"]);

        (_, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { start = -1 });
        Assert.Null(body["total"]);

        (_, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list",
            new { filter = new Dictionary<string, object> { ["@ID"] = new[] { 3, 4, 5 }, ["!ID"] = 4 }, select = new[] { "ID", "PHONE" }, order = new { ID = "DESC" } });
        Assert.Equal(["5", "3"], body["result"]!.AsArray().Select(r => (string)r!["ID"]!));
        Assert.Equal(2, (int)body["total"]!);
        Assert.Null(body["next"]);

        // The manager sees only the contacts assigned to them.
        (_, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.contact.list", new { start = 0 });
        Assert.Equal(100, (int)body["total"]!);
        Assert.All(body["result"]!.AsArray(), r => Assert.Equal("2", (string)r!["ASSIGNED_BY_ID"]!));
    }

    [Fact]
    public async Task Demo_seed_is_deterministic()
    {
        var a = await emulator.Control.CreatePortalAsync();
        var b = await emulator.Control.CreatePortalAsync();
        var (_, first) = await PortalRest.CallAsync(a, a.Admin.AccessToken, "crm.contact.list", new { select = new[] { "ID", "NAME", "LAST_NAME", "PHONE" }, start = 100 });
        var (_, second) = await PortalRest.CallAsync(b, b.Admin.AccessToken, "crm.contact.list", new { select = new[] { "ID", "NAME", "LAST_NAME", "PHONE" }, start = 100 });
        Assert.Equal(first["result"]!.ToJsonString(), second["result"]!.ToJsonString());

        var empty = await emulator.Control.CreatePortalAsync(seed: "empty");
        var (_, none) = await PortalRest.CallAsync(empty, empty.Admin.AccessToken, "crm.contact.list");
        Assert.Empty(none["result"]!.AsArray());
    }

    [Fact]
    public async Task Batch_answers_per_command_and_refuses_more_than_50_or_nesting()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "batch", new
        {
            halt = 0,
            cmd = new Dictionary<string, string>
            {
                ["lists"] = "crm.calllist.list?FILTER%5BID%5D=1",
                ["missing"] = "crm.calllist.get?ID=404",
                ["contacts"] = "crm.contact.list?select%5B0%5D=ID&start=0",
                ["nested"] = "batch?cmd%5Ba%5D=profile",
                ["me"] = "profile?",
            },
        });
        Assert.Equal(200, status);
        var result = body["result"]!;
        Assert.Single(result["result"]!["lists"]!.AsArray());
        Assert.Equal("LIST_ID_ERROR", (string)result["result_error"]!["missing"]!["error"]!);
        Assert.Equal("ERROR_BATCH_METHOD_NOT_ALLOWED", (string)result["result_error"]!["nested"]!["error"]!);
        Assert.Equal(300, (int)result["result_total"]!["contacts"]!);
        Assert.Equal(50, (int)result["result_next"]!["contacts"]!);
        Assert.NotNull(result["result_time"]!["me"]);

        (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "batch", new { cmd = Enumerable.Range(0, 51).Select(_ => "profile").ToArray() });
        Assert.Equal((400, "ERROR_BATCH_LENGTH_EXCEEDED"), (status, (string)body["error"]!));

        (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "batch", new { halt = 1, cmd = new[] { "crm.calllist.get?ID=404", "profile" } });
        Assert.Equal(200, status);
        Assert.Equal("LIST_ID_ERROR", (string)body["result"]!["result_error"]![0]!["error"]!);
        Assert.Empty(body["result"]!["result"]!.AsArray());
    }

    [Fact]
    public async Task Duplicates_forms_activities_and_placements()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var (_, contacts) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { filter = new { HAS_PHONE = "Y" }, select = new[] { "ID", "PHONE" } });
        var first = contacts["result"]![0]!;
        var phone = (string)first["PHONE"]![0]!["VALUE"]!;
        var (_, found) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.duplicate.findbycomm", new { type = "PHONE", values = new[] { phone }, entity_type = "CONTACT" });
        Assert.Contains(int.Parse((string)first["ID"]!, System.Globalization.CultureInfo.InvariantCulture), found["result"]!["CONTACT"]!.AsArray().Select(n => (int)n!));

        var (status, error) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.duplicate.findbycomm", new { type = "PHONE", values = Enumerable.Range(0, 21).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray() });
        Assert.Equal(400, status);

        var (_, forms) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.webform.list");
        Assert.Equal(3, forms["result"]!.AsArray().Count);
        (_, forms) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.webform.list", new { GET_INACTIVE = "Y" });
        Assert.Equal(4, forms["result"]!.AsArray().Count);

        var (_, activities) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.activity.list", new { filter = new { PROVIDER_ID = "CALL_LIST", ASSOCIATED_ENTITY_ID = 2 } });
        var activityId = (string)activities["result"]![0]!["ID"]!;
        (status, _) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.activity.delete", new { id = activityId });
        Assert.Equal(200, status);
        (status, error) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.get", new { ID = 2 });
        Assert.Equal("LIST_ID_ERROR", (string)error["error"]!);

        (status, error) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "placement.bind", new { PLACEMENT = "CRM_CONTACT_LIST_MENU", HANDLER = "https://app.example/", TITLE = "Call list" });
        Assert.Equal((403, "ACCESS_DENIED"), (status, (string)error["error"]!));
        (status, _) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "placement.bind", new { PLACEMENT = "CRM_CONTACT_LIST_MENU", HANDLER = "https://app.example/", TITLE = "Call list" });
        Assert.Equal(200, status);
        (status, error) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "placement.bind", new { PLACEMENT = "NO_SUCH_PLACE", HANDLER = "https://app.example/" });
        Assert.Equal((400, "ERROR_PLACEMENT_NOT_FOUND"), (status, (string)error["error"]!));

        (status, error) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "no.such.method");
        Assert.Equal((404, "ERROR_METHOD_NOT_FOUND"), (status, (string)error["error"]!));

        await emulator.Control.UpdateAppAsync(portal, new() { Scope = "crm" });
        (status, error) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "user.current");
        Assert.Equal((403, "insufficient_scope"), (status, (string)error["error"]!));
    }

    async Task<(List<int> Items, int? WebFormId)> ListAsync(EmulatedPortal portal, int id)
    {
        var list = await emulator.Control.CallListAsync(portal, id);
        return (list.EntityIds.ToList(), list.WebFormId);
    }

    [Fact]
    public async Task User_get_names_users_by_id_and_pages_by_50()
    {
        var portal = await emulator.Control.CreatePortalAsync();

        var (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "user.get", new { FILTER = new { ID = new[] { 1, 3 } } });

        Assert.Equal(200, status);
        Assert.Equal(["Alex Morgan", "John Smith"], body["result"]!.AsArray().Select(u => $"{u!["NAME"]} {u["LAST_NAME"]}"));
        Assert.Equal(2, (int)body["total"]!);
        var (_, all) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "user.get");
        Assert.Equal(3, all["result"]!.AsArray().Count);
    }

    [Fact]
    public async Task Contacts_by_id_list_come_with_the_communications_selected_and_only_as_the_user_may_read_them()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var ids = new[] { 1, 2, 3, 4, 5, 6 };

        var (_, admin) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list",
            new Dictionary<string, object> { ["filter"] = new Dictionary<string, object> { ["@ID"] = ids }, ["select"] = new[] { "ID", "NAME", "PHONE", "EMAIL", "COMPANY_ID" } });
        var (_, manager) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.contact.list",
            new Dictionary<string, object> { ["filter"] = new Dictionary<string, object> { ["@ID"] = ids } });

        Assert.Equal(["1", "2", "3", "4", "5", "6"], admin["result"]!.AsArray().Select(c => (string)c!["ID"]!));
        Assert.All(admin["result"]!.AsArray(), c => Assert.True(c!["PHONE"] is JsonArray && c["EMAIL"] is JsonArray));
        Assert.Equal(["1", "4"], manager["result"]!.AsArray().Select(c => (string)c!["ID"]!));
    }

    [Fact]
    public async Task A_portal_with_the_ignore_start_quirk_answers_the_first_page_every_time()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        await emulator.Control.QuirksAsync(portal, new(IgnoreStart: true));

        var (_, first) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { start = 0 });
        var (_, later) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { start = 100 });

        Assert.Equal(first["result"]!.ToJsonString(), later["result"]!.ToJsonString());
    }
}
