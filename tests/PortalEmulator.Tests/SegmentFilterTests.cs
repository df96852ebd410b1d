using System.Globalization;
using System.Text.Json.Nodes;
using TestSupport;

namespace PortalEmulator.Tests;

/// <summary>
/// The filters a call-list segment is made of (https://apidocs.bitrix24.com/api-reference/crm/contacts/crm-contact-list.html): <c>=</c>, <c>@</c>, <c>&gt;=</c>/<c>&lt;=</c> on
/// <c>DATE_CREATE</c>, <c>HAS_PHONE</c>; and the reference lists that name their values, in the portal's language.
/// Each filter's answer is checked against the rows read unfiltered.
/// </summary>
public sealed class SegmentFilterTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    [Theory]
    [InlineData("en", "SOURCE", "TRADE_SHOW", "Show/Exhibition")]
    [InlineData("ru", "SOURCE", "TRADE_SHOW", "Выставка")]
    [InlineData("en", "CONTACT_TYPE", "CLIENT", "Clients")]
    [InlineData("ru", "COMPANY_TYPE", "CUSTOMER", "Клиент")]
    public async Task Reference_lists_name_their_values_in_the_portals_language(string language, string entityId, string statusId, string name)
    {
        var portal = await emulator.Control.CreatePortalAsync(language: language);

        var (status, body) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.status.list",
            new { filter = new { ENTITY_ID = entityId }, order = new { SORT = "ASC" } });

        Assert.Equal(200, status);
        var rows = body["result"]!.AsArray();
        Assert.All(rows, r => Assert.Equal(entityId, (string)r!["ENTITY_ID"]!));
        Assert.Equal(name, (string)rows.Single(r => (string)r!["STATUS_ID"]! == statusId)!["NAME"]!);
        Assert.Equal(rows.Count, (int)body["total"]!);
        var sorts = rows.Select(r => (int)r!["SORT"]!).ToList();
        Assert.Equal(sorts.Order(), sorts);
    }

    [Fact]
    public async Task Added_companies_are_found_by_a_part_of_their_title_in_title_order_as_the_user_reads_them()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        Assert.Equal((41, 340), await emulator.Control.AddCompaniesAsync(portal, 300, "Zephyr"));

        var (_, admin) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.company.list",
            new { filter = new JsonObject { ["%TITLE"] = "zephyr 7" }, select = new[] { "ID", "TITLE" }, order = new { TITLE = "ASC" } });
        var (_, manager) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "crm.company.list",
            new { filter = new JsonObject { ["%TITLE"] = "Zephyr" }, select = new[] { "ID" } });

        Assert.Equal(10, (int)admin["total"]!);
        Assert.Equal(Enumerable.Range(70, 10).Select(id => $"Zephyr {id}"), admin["result"]!.AsArray().Select(c => (string)c!["TITLE"]!));
        // The manager is responsible for the companies whose id % 3 == 1: 43, 46, … 340.
        Assert.Equal(100, (int)manager["total"]!);
        Assert.All(manager["result"]!.AsArray(), c => Assert.Equal(1, int.Parse((string)c!["ID"]!, CultureInfo.InvariantCulture) % 3));
    }

    [Fact]
    public async Task Each_segment_filter_returns_exactly_the_matching_contacts()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        await emulator.Control.SetLimitsAsync(portal, drainPerSecond: 100, capacity: 1000);
        var all = await ContactsAsync(portal, new JsonObject());
        Assert.Equal(300, all.Count);
        var from = DateTimeOffset.Parse((string)all[17]["DATE_CREATE"]!, CultureInfo.InvariantCulture);

        var cases = new (JsonObject Filter, Func<JsonObject, bool> Expected)[]
        {
            (new() { ["=TYPE_ID"] = "CLIENT" }, c => (string?)c["TYPE_ID"] == "CLIENT"),
            (new() { ["@SOURCE_ID"] = new JsonArray("TRADE_SHOW", "WEB") }, c => (string?)c["SOURCE_ID"] is "TRADE_SHOW" or "WEB"),
            (new() { ["=ASSIGNED_BY_ID"] = 2 }, c => (string?)c["ASSIGNED_BY_ID"] == "2"),
            (new() { ["=COMPANY_ID"] = 7 }, c => (string?)c["COMPANY_ID"] == "7"),
            (new() { ["HAS_PHONE"] = "Y" }, c => (string?)c["HAS_PHONE"] == "Y"),
            (new() { ["HAS_PHONE"] = "N" }, c => (string?)c["HAS_PHONE"] == "N"),
            // An instant in another zone compares as the same instant.
            (new() { [">=DATE_CREATE"] = from.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture) },
                c => DateTimeOffset.Parse((string)c["DATE_CREATE"]!, CultureInfo.InvariantCulture) >= from),
            // A date without a zone is the portal's local time.
            (new() { ["<=DATE_CREATE"] = from.ToOffset(TimeSpan.FromHours(3)).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) },
                c => DateTimeOffset.Parse((string)c["DATE_CREATE"]!, CultureInfo.InvariantCulture) <= from),
            (new() { ["=TYPE_ID"] = "PARTNER", ["HAS_PHONE"] = "Y", ["=ASSIGNED_BY_ID"] = 1 },
                c => (string?)c["TYPE_ID"] == "PARTNER" && (string?)c["HAS_PHONE"] == "Y" && (string?)c["ASSIGNED_BY_ID"] == "1"),
        };

        foreach (var (filter, expected) in cases)
        {
            var wanted = all.Where(expected).Select(Id).ToList();
            Assert.NotEmpty(wanted);
            Assert.True(wanted.Count < all.Count, $"{filter.ToJsonString()} should leave some contacts out");
            Assert.Equal(wanted, (await ContactsAsync(portal, filter)).Select(Id).ToList());
        }
    }

    [Fact]
    public async Task Company_type_filters_companies()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var (_, all) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.company.list", new { select = new[] { "ID", "COMPANY_TYPE" } });
        var customers = all["result"]!.AsArray().Where(c => (string)c!["COMPANY_TYPE"]! == "CUSTOMER").Select(c => (string)c!["ID"]!).ToList();

        var (_, filtered) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.company.list",
            new { select = new[] { "ID" }, filter = new Dictionary<string, string> { ["=COMPANY_TYPE"] = "CUSTOMER" } });

        Assert.NotEmpty(customers);
        Assert.Equal(customers, filtered["result"]!.AsArray().Select(c => (string)c!["ID"]!).ToList());
    }

    [Fact]
    public async Task User_get_leaves_dismissed_users_out_when_asked_for_active_ones()
    {
        var portal = await emulator.Control.CreatePortalAsync();
        var answer = await emulator.Control.SetUserRightsAsync(portal, 3, active: false);
        Assert.False(answer.Active);

        var (_, active) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "user.get", new { FILTER = new { ACTIVE = true } });
        var (_, everyone) = await PortalRest.CallAsync(portal, portal.Manager.AccessToken, "user.get");

        Assert.Equal(["1", "2"], active["result"]!.AsArray().Select(u => (string)u!["ID"]!));
        Assert.Equal(["1", "2", "3"], everyone["result"]!.AsArray().Select(u => (string)u!["ID"]!));
        Assert.False((bool)everyone["result"]![2]!["ACTIVE"]!);
    }

    static string Id(JsonObject contact) => (string)contact["ID"]!;

    async Task<List<JsonObject>> ContactsAsync(EmulatedPortal portal, JsonObject filter)
    {
        var rows = new List<JsonObject>();
        for (int? start = 0; start is not null;)
        {
            var (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new JsonObject
            {
                ["select"] = new JsonArray("ID", "TYPE_ID", "SOURCE_ID", "ASSIGNED_BY_ID", "COMPANY_ID", "HAS_PHONE", "DATE_CREATE"),
                ["filter"] = filter.DeepClone(),
                ["order"] = new JsonObject { ["ID"] = "ASC" },
                ["start"] = start,
            });
            Assert.Equal(200, status);
            rows.AddRange(body["result"]!.AsArray().Select(r => r!.AsObject()));
            start = (int?)body["next"];
        }

        return rows;
    }
}
