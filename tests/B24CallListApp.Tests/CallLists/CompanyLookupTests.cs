using System.Text.Json.Nodes;
using B24CallListApp.CallLists;
using B24CallListApp.Portals;
using TestSupport;

namespace B24CallListApp.Tests.CallLists;

/// <summary>
/// Where a user reads more companies than a list can offer, the contact picker's company field finds them by
/// title as the user types (<c>/api/companies</c>), with the user's own rights. Demo seed: 40 companies; the
/// tests add 300 titled "Zephyr {id}" (ids 41–340). User 2 reads the records whose id % 3 == 1.
/// </summary>
public sealed class CompanyLookupTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Companies_are_found_by_title_with_the_users_own_rights_and_the_page_says_how_many()
    {
        var portal = await PortalWithManyCompaniesAsync();
        var admin = await WorkspaceClient.OpenAsync(app, portal, 1);
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2, lang: "ru");

        var all = await LookupAsync(admin, "zephyr");
        var some = await LookupAsync(manager, "Zephyr 1");
        var one = await LookupAsync(admin, "Zephyr 77");

        Assert.Equal(300, (int)all["total"]!);
        Assert.Equal(50, all["companies"]!.AsArray().Count);
        Assert.Equal("The first 50 of 300: type more of the name", (string)all["text"]!);
        Assert.All(all["companies"]!.AsArray(), c => Assert.StartsWith("Zephyr ", (string)c!["title"]!, StringComparison.Ordinal));

        // "Zephyr 1": ids 100–199, and none of them the manager may not read.
        var expected = Enumerable.Range(100, 100).Where(id => id % 3 == 1).ToList();
        Assert.Equal(expected.Count, (int)some["total"]!);
        Assert.Equal(expected.Order(), some["companies"]!.AsArray().Select(c => int.Parse((string)c!["id"]!, System.Globalization.CultureInfo.InvariantCulture)).Order());
        Assert.Equal($"Найдено: {expected.Count}", (string)some["text"]!);
        var lookups = (await app.Control.RequestsAsync(portal)).Where(r => r.Method == "crm.company.list" && r.Params?["filter"] is JsonObject f && f.ContainsKey("%TITLE")).ToList();
        Assert.Equal([1, 2, 1], lookups.Select(r => r.UserId));

        Assert.Equal([("77", "Zephyr 77")], one["companies"]!.AsArray().Select(c => ((string)c!["id"]!, (string)c["title"]!)));
        Assert.Equal("1 found", (string)one["text"]!);
    }

    [Theory]
    [InlineData("", "InvalidInput")]
    [InlineData("?q=", "InvalidInput")]
    [InlineData("?q=%20%20", "InvalidInput")]
    [InlineData("?q=LONG", "SearchTooLong")]
    public async Task A_lookup_with_nothing_to_find_or_too_long_is_refused_before_the_portal_is_asked(string query, string code)
    {
        var portal = await PortalWithManyCompaniesAsync();
        var admin = await WorkspaceClient.OpenAsync(app, portal, 1);
        var before = (await app.Control.RequestsAsync(portal)).Count;

        var (status, body) = await SendAsync(admin.Session, query.Replace("LONG", new string('a', CrmSearch.MaxSearchLength + 1), StringComparison.Ordinal));

        Assert.Equal(400, status);
        Assert.Equal(code, (string)body!["code"]!);
        Assert.Equal(before, (await app.Control.RequestsAsync(portal)).Count);
    }

    [Theory]
    [InlineData(403, "ACCESS_DENIED", 403, "AccessDenied")]
    [InlineData(503, "QUERY_LIMIT_EXCEEDED", 503, "PortalBusy")]
    public async Task A_portal_that_refuses_the_lookup_is_told_to_the_user_in_their_language(int portalStatus, string error, int status, string code)
    {
        var portal = await PortalWithManyCompaniesAsync();
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2, lang: "ru");
        await app.Control.FaultAsync(portal, new(Method: "crm.company.list", Count: 10, Status: portalStatus, Error: error));

        var (answered, body) = await SendAsync(manager.Session, "?q=Zephyr");

        Assert.Equal(status, answered);
        Assert.Equal(code, (string)body!["code"]!);
        Assert.Matches("[а-яА-Я]", (string)body["detail"]!);
    }

    [Fact]
    public async Task A_lookup_without_a_page_session_is_refused()
    {
        var (status, _) = await SendAsync("not-a-session", "?q=Zephyr");

        Assert.Equal(401, status);
    }

    [Fact]
    public async Task The_picker_names_the_chosen_company_and_finds_its_contacts()
    {
        var portal = await PortalWithManyCompaniesAsync();
        var (first, last) = await app.Control.AddContactsAsync(portal, 3, lastName: "Zephyrson", companyId: 77);
        var admin = await WorkspaceClient.OpenAsync(app, portal, 1);

        var page = await admin.PostAsync("lists/1/add", [new("segment.company", "77")]);

        Assert.Equal(200, page.Status);
        Assert.Contains("data-lookup", page.Html, StringComparison.Ordinal);
        Assert.Contains("value=\"Zephyr 77\"", page.Html, StringComparison.Ordinal);
        Assert.Contains("3 found", page.Html, StringComparison.Ordinal);
        Assert.All(Enumerable.Range(first, last - first + 1), id => Assert.Contains($"Zephyrson {id}", page.Html, StringComparison.Ordinal));
    }

    async Task<EmulatedPortal> PortalWithManyCompaniesAsync()
    {
        var portal = await app.InstalledPortalAsync();
        Assert.Equal((41, 340), await app.Control.AddCompaniesAsync(portal, 300, "Zephyr"));
        return portal;
    }

    async Task<JsonNode> LookupAsync(WorkspaceClient user, string text)
    {
        var (status, body) = await SendAsync(user.Session, "?q=" + Uri.EscapeDataString(text));
        Assert.Equal(200, status);
        return body!;
    }

    async Task<(int Status, JsonNode? Body)> SendAsync(string session, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.AppUrl, "api/companies" + query));
        request.Headers.Add(PageSessions.HeaderName, session);
        using var response = await app.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }
}
