using B24CallListApp.Portals;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests.CallLists;

/// <summary>
/// What a user may not read stays unseen and kept. Pages are read with the user's own token; a save
/// reads every participant with an administrator's account, proven by <c>user.admin</c> in the same
/// batch. Demo seed: user 1 is the administrator, user 2 reads contacts whose id % 3 == 1, user 3
/// those whose id % 3 == 2; list 1 holds contacts 1–24 with form 3.
/// </summary>
public sealed class ReadRightsTests(AppFixture app) : IClassFixture<AppFixture>
{
    static readonly int[] ListOne = Enumerable.Range(1, 24).ToArray();

    [Fact]
    public async Task Records_the_user_cannot_read_are_refused_by_count_and_never_named()
    {
        var portal = await app.InstalledPortalAsync();
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2);
        var names = (await NamesAsync(portal, [27, 30])).Except(await NamesAsync(portal, Enumerable.Range(1, 300).Where(id => id % 3 == 1))).ToList();
        Assert.NotEmpty(names);

        // Contacts 27 and 30 belong to user 1: a replayed "Add selected" must not tell the manager who they are.
        var page = await manager.AddSelectedAsync(1, [25, 27, 30]);

        Assert.Equal(400, page.Status);
        Assert.Contains("2 of the chosen records cannot be added", page.AlertText, StringComparison.Ordinal);
        Assert.All(names, name => Assert.DoesNotContain(name, page.Html, StringComparison.Ordinal));
        Assert.Empty(await manager.UpdatesAsync());
        Assert.Equal(ListOne, await manager.ParticipantsAsync(1));
    }

    [Fact]
    public async Task A_list_page_is_read_with_the_users_own_token_and_shows_only_what_they_read()
    {
        var portal = await app.InstalledPortalAsync();
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2);
        var before = (await app.Control.RequestsAsync(portal)).Count;

        var page = await manager.ListAsync(1);

        Assert.Equal(200, page.Status);
        var requests = (await app.Control.RequestsAsync(portal)).Skip(before).ToList();
        Assert.Contains(requests, r => r.Method == "crm.calllist.get");
        Assert.Contains(requests, r => r.Method == "crm.webform.list");
        Assert.All(requests, r => Assert.Equal(2, r.UserId));
        var readable = await NamesAsync(portal, Enumerable.Range(1, 300).Where(id => id % 3 == 1));
        foreach (var name in (await NamesAsync(portal, ListOne.Where(id => id % 3 != 1))).Except(readable))
        {
            Assert.DoesNotContain(name, page.Html, StringComparison.Ordinal);
        }

        foreach (var name in await NamesAsync(portal, ListOne.Where(id => id % 3 == 1)))
        {
            Assert.Contains(name, page.Html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_list_the_portal_refuses_the_user_shows_nothing_of_it()
    {
        var portal = await app.InstalledPortalAsync();
        // Contacts 3, 6 and 9 are user 1's: the manager may not read the list at all.
        var hidden = await app.Control.AddCallListAsync(portal, "CONTACT", [3, 6, 9], webFormId: 2);
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2);

        var page = await manager.ListAsync(hidden);
        var save = await manager.AddSelectedAsync(hidden, [4]);

        Assert.Equal(404, page.Status);
        Assert.Equal("ListNotFound", page.MessageKey);
        Assert.Contains("does not exist, or your CRM permissions do not show it", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Callback request", page.Html, StringComparison.Ordinal);
        Assert.Equal(404, save.Status);
        Assert.Empty(await manager.UpdatesAsync());
    }

    [Fact]
    public async Task A_demoted_administrator_no_longer_decides_what_a_list_holds()
    {
        var portal = await app.InstalledPortalAsync();
        // Contacts 2, 5 and 8 are user 3's: neither the manager nor the demoted administrator reads them.
        var list = await app.Control.AddCallListAsync(portal, "CONTACT", [2, 5, 8, 4], webFormId: 1);
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2);
        await app.Control.SetUserRightsAsync(portal, 1, admin: false, crmRead: "own");

        var page = await manager.AddSelectedAsync(list, [7]);

        Assert.Equal(409, page.Status);
        Assert.Contains("Ask an administrator to open the app once", page.AlertText, StringComparison.Ordinal);
        Assert.Empty(await manager.UpdatesAsync());
        Assert.Equal([2, 5, 8, 4], await manager.ParticipantsAsync(list));
        var store = app.Factory.Services.GetRequiredService<PortalStore>();
        Assert.Empty(await store.WorkingAdminsAsync(portal.MemberId, default));

        // Promoted again, the administrator opens the app once: the same save now keeps every participant.
        await app.Control.SetUserRightsAsync(portal, 1, admin: true, crmRead: "all");
        await WorkspaceClient.OpenAsync(app, portal, 1);
        page = await manager.AddSelectedAsync(list, [7]);

        Assert.Equal(200, page.Status);
        Assert.Equal([2, 5, 8, 4, 7], WorkspaceClient.Entities(Assert.Single(await manager.UpdatesAsync())));
    }

    [Fact]
    public async Task A_stored_administrator_who_was_demoted_is_passed_over_for_one_who_still_is()
    {
        var portal = await app.InstalledPortalAsync();
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2);
        // User 3 becomes an administrator and opens the app; then user 1 opens it (so is tried first),
        // and is demoted afterwards.
        await app.Control.SetUserRightsAsync(portal, 3, admin: true, crmRead: "all");
        await WorkspaceClient.OpenAsync(app, portal, 3);
        await WorkspaceClient.OpenAsync(app, portal, 1);
        await app.Control.SetUserRightsAsync(portal, 1, admin: false, crmRead: "own");

        var page = await manager.AddSelectedAsync(1, [25]);

        Assert.Equal(200, page.Status);
        var update = Assert.Single(await manager.UpdatesAsync());
        Assert.Equal([.. ListOne, 25], WorkspaceClient.Entities(update));
        Assert.Equal(3, WorkspaceClient.WebFormId(update));
        var store = app.Factory.Services.GetRequiredService<PortalStore>();
        Assert.Equal([3], await store.WorkingAdminsAsync(portal.MemberId, default));
    }

    [Fact]
    public async Task A_save_whose_read_came_back_with_a_gap_is_refused_and_nothing_is_sent()
    {
        var portal = await app.InstalledPortalAsync();
        // A list longer than a page, read by an administrator whose CRM role was narrowed to their own
        // records: user.admin still says true, but the pages come back short mid-list.
        var list = await app.Control.AddCallListAsync(portal, "CONTACT", Enumerable.Range(100, 120));
        var admin = await WorkspaceClient.OpenAsync(app, portal, 1);
        await app.Control.SetUserRightsAsync(portal, 1, crmRead: "own");

        var page = await admin.AddSelectedAsync(list, [3]);

        Assert.Equal(409, page.Status);
        Assert.Contains("did not return every participant of this list", page.AlertText, StringComparison.Ordinal);
        Assert.Empty(await admin.UpdatesAsync());
        Assert.Equal(Enumerable.Range(100, 120), await admin.ParticipantsAsync(list));
    }

    [Fact]
    public async Task A_dead_administrator_reader_is_recorded_on_the_administrator_not_on_the_user()
    {
        var portal = await app.InstalledPortalAsync();
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2);
        var store = app.Factory.Services.GetRequiredService<B24CallListApp.Bitrix24.IBitrix24TokenStore>();
        var adminTokens = (await store.GetAsync(new B24CallListApp.Bitrix24.AccountKey(portal.MemberId, 1), default))!;
        await app.Control.RefreshAsync(adminTokens.RefreshToken);
        await app.Control.ExpireAsync(adminTokens.AccessToken);

        var page = await manager.AddSelectedAsync(1, [25]);

        Assert.Equal(409, page.Status);
        var stored = (await app.StoredPortalAsync(portal.MemberId))!;
        Assert.NotNull(stored.Accounts.Single(a => a.UserId == 1).Failure);
        Assert.Null(stored.Accounts.Single(a => a.UserId == 2).Failure);
        Assert.Equal(200, (await manager.ListAsync(1)).Status);
    }

    [Fact]
    public async Task Searching_as_one_types_reads_the_lists_participants_once_and_a_save_always_reads_fresh()
    {
        var portal = await app.InstalledPortalAsync();
        var manager = await WorkspaceClient.OpenAsync(app, portal, 2);
        async Task<int> ItemReadsAsync() => (await app.Control.RequestsAsync(portal)).Count(r => r.Method == "crm.calllist.items.get");

        await manager.SearchAsync(1, "I");
        var afterFirst = await ItemReadsAsync();
        await manager.SearchAsync(1, "Iv");
        await manager.SearchAsync(1, "Iva");
        Assert.Equal(afterFirst, await ItemReadsAsync());

        // The save reads the list again (as the user, and as the administrator), whatever the picker holds ...
        var page = await manager.AddSelectedAsync(1, [25]);
        Assert.Equal(200, page.Status);
        var afterSave = await ItemReadsAsync();
        Assert.True(afterSave > afterFirst);

        // ... and drops what the picker held: the next keystroke reads the list as it now is.
        var search = await manager.SearchAsync(1, "Ivan");
        Assert.True(await ItemReadsAsync() > afterSave);
        Assert.Equal(200, search.Status);
    }

    async Task<List<string>> NamesAsync(EmulatedPortal portal, IEnumerable<int> ids)
    {
        var (_, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { filter = new Dictionary<string, object> { ["@ID"] = ids.ToArray() }, select = new[] { "NAME", "LAST_NAME" } });
        return body["result"]!.AsArray().Select(c => $"{c!["NAME"]} {c["LAST_NAME"]}").ToList();
    }
}
