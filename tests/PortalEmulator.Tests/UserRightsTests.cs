using System.Text.Json.Nodes;
using TestSupport;

namespace PortalEmulator.Tests;

/// <summary>
/// Rights change at any time: a demoted administrator, or a manager whose CRM role is narrowed, gets
/// answers that follow from their next call on. Demo seed: user 1 is the administrator; user 2 reads
/// the contacts whose id % 3 == 1; list 1 holds contacts 1–24, list 3 contacts 100–174 (made by user 2).
/// </summary>
public sealed class UserRightsTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    [Fact]
    public async Task User_admin_and_profile_follow_a_demotion_and_a_promotion()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        Assert.True(await IsAdminAsync(portal, portal.Admin.AccessToken));
        Assert.False(await IsAdminAsync(portal, portal.Manager.AccessToken));

        var answer = await emulator.Control.SetUserRightsAsync(portal, 1, admin: false, crmRead: "own");
        Assert.Equal((1, false, "own"), (answer.Id, answer.Admin, answer.CrmRead));
        await emulator.Control.SetUserRightsAsync(portal, 2, admin: true);

        Assert.False(await IsAdminAsync(portal, portal.Admin.AccessToken));
        Assert.True(await IsAdminAsync(portal, portal.Manager.AccessToken));
        var (_, profile) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "profile");
        Assert.False((bool)profile["result"]!["ADMIN"]!);
    }

    [Fact]
    public async Task A_demoted_administrator_reads_only_their_own_records_and_a_pages_hidden_rows_are_cut()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        await emulator.Control.SetUserRightsAsync(portal, 1, admin: false, crmRead: "own");

        // User 1 now reads contacts whose id % 3 == 0: eight of list 1's 24.
        var (status, items) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.items.get", new { LIST_ID = 1 });
        Assert.Equal(200, status);
        Assert.Equal(Enumerable.Range(1, 24).Where(id => id % 3 == 0), Ids(items));

        var (_, contacts) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { filter = new { ID = 4 } });
        Assert.Empty(contacts["result"]!.AsArray());

        // Given every record back, the same token reads them all.
        await emulator.Control.SetUserRightsAsync(portal, 1, crmRead: "all");
        (_, items) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.items.get", new { LIST_ID = 1 });
        Assert.Equal(Enumerable.Range(1, 24), Ids(items));
    }

    [Fact]
    public async Task A_list_the_user_may_not_read_is_answered_as_if_it_did_not_exist()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        // Contacts 3, 6 and 9 belong to user 1: user 2 reads none of them and did not make the list.
        var hidden = await emulator.Control.AddCallListAsync(portal, "CONTACT", [3, 6, 9]);

        var (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.get", new { ID = hidden });
        Assert.Equal((400, "LIST_ID_ERROR"), (status, (string)body["error"]!));
        (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.items.get", new { LIST_ID = hidden });
        Assert.Equal((400, "LIST_ID_ERROR"), (status, (string)body["error"]!));
        (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.update", new { LIST_ID = hidden, ENTITY_TYPE = "CONTACT", ENTITIES = new[] { 3, 6, 9, 4 } });
        Assert.Equal((400, "LIST_ID_ERROR"), (status, (string)body["error"]!));
        var (_, lists) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.list", new { });
        Assert.DoesNotContain(hidden, Ids(lists));
        Assert.Contains(1, Ids(lists));

        // The administrator sees it; so does the manager once their role reads every record.
        (status, _) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.calllist.get", new { ID = hidden });
        Assert.Equal(200, status);
        await emulator.Control.SetUserRightsAsync(portal, 2, crmRead: "all");
        (status, _) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.get", new { ID = hidden });
        Assert.Equal(200, status);
    }

    [Theory]
    [InlineData("{\"crmRead\":\"department\"}")]
    [InlineData("{\"admin\":\"yes\"}")]
    [InlineData("[1]")]
    public async Task Bad_rights_are_refused_with_400(string body)
    {
        var portal = await emulator.Control.CreatePortalAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await emulator.Control.Http.PostAsync($"/_emulator/portals/{portal.MemberId}/users/2", content);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]);

        using var unknown = await emulator.Control.Http.PostAsync($"/_emulator/portals/{portal.MemberId}/users/99", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(404, (int)unknown.StatusCode);
    }

    [Theory]
    [InlineData("en", "In progress")]
    [InlineData("ru", "В работе")]
    public async Task Call_statuses_are_named_in_the_portals_language(string language, string inWork)
    {
        var portal = await emulator.Control.CreatePortalAsync(language: language);

        var (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.calllist.statuslist");

        Assert.Equal(200, status);
        Assert.Equal(inWork, (string)body["result"]!.AsArray().Single(s => (string)s!["STATUS_ID"]! == "IN_WORK")!["NAME"]!);
    }

    static async Task<bool> IsAdminAsync(EmulatedPortal portal, string token)
    {
        var (status, body) = await PortalRest.CallAsync(portal, token, "user.admin");
        Assert.Equal(200, status);
        return (bool)body["result"]!;
    }

    static List<int> Ids(JsonObject body) => body["result"]!.AsArray().Select(r => int.Parse((string)r!["ID"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
}
