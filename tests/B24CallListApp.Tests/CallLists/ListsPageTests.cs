using System.Text.Json.Nodes;
using B24CallListApp.Portals;
using TestSupport;

namespace B24CallListApp.Tests.CallLists;

/// <summary>
/// The lists page costs what batch allows: the lists and forms, then creators and sizes, all with the
/// user's own token, and never a list's full read. Demo seed: list 1 holds contacts 1–24, list 2
/// companies 1–8, list 3 contacts 100–174; user 2 reads the records whose id % 3 == 1.
/// </summary>
public sealed class ListsPageTests(AppFixture app) : IClassFixture<AppFixture>
{
    /// <param name="thirdAtLeast">List 3 reaches its second page: an administrator sees where it ends, a manager cannot tell the end from rows hidden beyond it.</param>
    [Theory]
    [InlineData(1, 24, 8, 75, false)]
    [InlineData(2, 8, 3, 25, true)]
    public async Task Sizes_are_what_the_user_reads_and_the_page_costs_two_requests(int userId, int first, int second, int third, bool thirdAtLeast)
    {
        var portal = await app.InstalledPortalAsync();
        var user = await WorkspaceClient.OpenAsync(app, portal, userId);
        var before = (await app.Control.RequestsAsync(portal)).Count(r => !r.InBatch);

        var lists = await ListsAsync(user);

        Assert.Equal(2, (await app.Control.RequestsAsync(portal)).Count(r => !r.InBatch) - before);
        Assert.All((await app.Control.RequestsAsync(portal)).Skip(before), r => Assert.Equal(userId, r.UserId));
        Assert.Equal((first, false), Size(lists, 1));
        Assert.Equal((second, false), Size(lists, 2));
        Assert.Equal((third, thirdAtLeast), Size(lists, 3));
        Assert.Equal("Alex Morgan", (string)lists.Single(l => (int)l!["id"]! == 1)!["createdBy"]!);
    }

    [Fact]
    public async Task A_list_longer_than_the_pages_a_batch_can_hold_shows_at_least_and_its_own_read_makes_it_exact()
    {
        var portal = await app.InstalledPortalAsync();
        var (firstId, lastId) = await app.Control.AddContactsAsync(portal, 3000, assignedById: 1);
        var big = await app.Control.AddCallListAsync(portal, "CONTACT", Enumerable.Range(firstId, lastId - firstId + 1));
        var admin = await WorkspaceClient.OpenAsync(app, portal, 1);

        // Two pages a list: past 100 participants the page says "at least".
        Assert.Equal((100, true), Size(await ListsAsync(admin), big));

        // Once the user opened the list, its size is known exactly, until a save through the app changes it.
        Assert.Equal(200, (await admin.ListAsync(big)).Status);
        Assert.Equal((3000, false), Size(await ListsAsync(admin), big));
        Assert.Equal(200, (await admin.SaveListAsync(big, [firstId])).Status);
        Assert.Equal((2999, false), Size(await ListsAsync(admin), big));
    }

    [Fact]
    public async Task A_russian_portals_call_statuses_show_by_the_names_it_gives()
    {
        var portal = await app.Control.CreatePortalAsync(language: "ru", app: new() { HandlerUrl = app.AppUrl.ToString(), InstallUrl = app.AppUrl + "install" });
        await app.Control.InstallAsync(portal, new(Finish: true));
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2, lang: "ru");

        var page = await manager.ListAsync(1);

        Assert.Equal(200, page.Status);
        Assert.Contains("В работе", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("In progress", page.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public async Task A_page_of_lists_that_cannot_exist_is_refused_not_answered_with_the_first(string page)
    {
        var portal = await app.InstalledPortalAsync();
        var user = await WorkspaceClient.OpenAsync(app, portal, 1);
        var before = (await app.Control.RequestsAsync(portal)).Count;

        var (status, body) = await CallListsAsync(user, "?page=" + Uri.EscapeDataString(page));

        Assert.Equal(400, status);
        Assert.Equal("InvalidInput", (string)body["code"]!);
        Assert.Equal(before, (await app.Control.RequestsAsync(portal)).Count);
    }

    [Fact]
    public async Task Pages_past_the_last_list_are_empty_up_to_the_furthest_the_portal_can_reach()
    {
        var portal = await app.InstalledPortalAsync();
        var user = await WorkspaceClient.OpenAsync(app, portal, 1);

        Assert.Equal(3, (await ListsAsync(user, "?page=1")).Count);
        Assert.Empty(await ListsAsync(user, "?page=2"));
        Assert.Empty(await ListsAsync(user, "?page=" + int.MaxValue));
    }

    async Task<JsonArray> ListsAsync(WorkspaceClient user, string query = "")
    {
        var (status, body) = await CallListsAsync(user, query);
        Assert.Equal(200, status);
        return body.AsArray();
    }

    async Task<(int Status, JsonNode Body)> CallListsAsync(WorkspaceClient user, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.AppUrl, "api/calllists" + query));
        request.Headers.Add(PageSessions.HeaderName, user.Session);
        using var response = await app.Http.SendAsync(request);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    static (int Count, bool AtLeast) Size(JsonArray lists, int id)
    {
        var list = lists.Single(l => (int)l!["id"]! == id)!;
        return ((int)list["participants"]!, (bool)list["participantsAtLeast"]!);
    }
}
