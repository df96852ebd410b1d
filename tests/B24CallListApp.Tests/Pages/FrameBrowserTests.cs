using System.Text.Json;
using Microsoft.Playwright;
using TestSupport;

namespace B24CallListApp.Tests.Pages;

/// <summary>
/// The app's pages in the portal's iframe speaking the real frame protocol through the official
/// frame client: install finished by the page, the frame following the content, the portal's own
/// CRM picker, placements from the CRM grid's row menu, and sessions renewed through the portal.
/// </summary>
public sealed class FrameBrowserTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    Task<EmulatedPortal> PortalAsync(bool installFinished = false) => app.Control.CreatePortalAsync(
        app: new() { HandlerUrl = app.AppBaseForPortal.ToString(), InstallUrl = app.AppBaseForPortal + "install", InstallFinished = installFinished });

    async Task<PortalPageObject> PageAsync(EmulatedPortal portal) =>
        new(await (await app.Browser.NewContextAsync()).NewPageAsync(), portal);

    /// <summary>A portal with the app installed, opened by a user at the call lists.</summary>
    async Task<(EmulatedPortal Portal, PortalPageObject Ui)> OpenInstalledAsync(int userId)
    {
        var portal = await PortalAsync();
        Assert.Equal(200, (await app.Control.InstallAsync(portal, new(Finish: true))).Status);
        var ui = await PageAsync(portal);
        await ui.OpenAsync(userId);
        await Assertions.Expect(ui.CallLists.Table).ToBeVisibleAsync(new() { Timeout = 15_000 });
        return (portal, ui);
    }

    static Task<JsonElement> FramesAsync(PortalPageObject ui) => ui.Page.EvaluateAsync<JsonElement>("() => window.portalFrames()");

    [Fact]
    public async Task The_installer_page_finishes_the_install_and_only_then_do_the_placements_appear()
    {
        var portal = await PortalAsync();
        var ui = await PageAsync(portal);
        await ui.Page.GotoAsync($"http://{portal.Domain}/?user=1&view=contacts");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Actions for" }).First.ClickAsync();
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Menuitem)).ToHaveCountAsync(0);

        // The portal opens the installer page; its script says installFinish, and the portal reopens the app.
        await ui.OpenAsync(userId: 1);
        await Assertions.Expect(ui.CallLists.Table).ToBeVisibleAsync(new() { Timeout = 15_000 });
        Assert.True((bool)(await app.Control.GetPortalAsync(portal)).App.InstallFinished);

        await ui.Page.GotoAsync($"http://{portal.Domain}/?user=1&view=contacts");
        await ui.Page.Locator("tr[data-entity-id='7'] button").ClickAsync();
        await ui.Page.GetByRole(AriaRole.Menuitem, new() { Name = "Call lists" }).ClickAsync();

        // The row menu's placement reaches the app with that contact's id.
        await Assertions.Expect(ui.Heading).ToHaveTextAsync("Add to call list", new() { Timeout = 15_000 });
        var (_, contact) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "crm.contact.list", new { filter = new { ID = 7 }, select = new[] { "NAME", "LAST_NAME" } });
        await Assertions.Expect(ui.App.Locator("[data-entity]")).ToHaveTextAsync($"{contact["result"]![0]!["NAME"]} {contact["result"]![0]!["LAST_NAME"]}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{}")]
    public async Task The_app_opens_with_every_shape_of_placement_options(string? options)
    {
        var portal = await PortalAsync();
        Assert.Equal(200, (await app.Control.InstallAsync(portal, new(Finish: true))).Status);
        var ui = await PageAsync(portal);

        await ui.Page.GotoAsync($"http://{portal.Domain}/?user=2" + (options is null ? "" : "&options=" + Uri.EscapeDataString(options)));

        await Assertions.Expect(ui.CallLists.Table).ToBeVisibleAsync(new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task The_frame_grows_and_shrinks_with_the_content()
    {
        var (_, ui) = await OpenInstalledAsync(1);
        await ui.Page.WaitForFunctionAsync("() => window.portalFrames()[0].height < 600");
        var lists = (await FramesAsync(ui))[0].GetProperty("height").GetInt32();

        await ui.CallLists.OpenAsync(1);
        await ui.Page.WaitForFunctionAsync($"() => window.portalFrames()[0].height > {lists + 400}");
        var list = (await FramesAsync(ui))[0].GetProperty("height").GetInt32();
        var content = await ui.App.Locator("body").EvaluateAsync<int>("body => Math.ceil(body.getBoundingClientRect().height)");
        Assert.InRange(list, content, content + 40);

        await ui.App.GetByRole(AriaRole.Link, new() { Name = "Back to call lists" }).ClickAsync();
        await ui.Page.WaitForFunctionAsync($"() => window.portalFrames()[0].height < {list}");
        Assert.InRange((await FramesAsync(ui))[0].GetProperty("height").GetInt32(), lists - 5, lists + 5);
    }

    [Fact]
    public async Task The_portals_own_picker_adds_its_choice_to_the_list()
    {
        var (portal, ui) = await OpenInstalledAsync(2);
        await ui.CallLists.OpenAsync(2);

        await ui.App.GetByRole(AriaRole.Button, new() { Name = "Choose in Bitrix24" }).ClickAsync();
        var dialog = ui.Page.GetByRole(AriaRole.Dialog, new() { Name = "Select from CRM" });
        await dialog.GetByRole(AriaRole.Searchbox).FillAsync("13");
        await Assertions.Expect(dialog.Locator("ul[data-query='13']")).ToHaveCountAsync(1);
        await dialog.GetByRole(AriaRole.Checkbox).First.CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Assertions.Expect(ui.Status).ToContainTextAsync("Saved: 1 added, 0 removed.", new() { Timeout = 15_000 });
        Assert.Equal(9, (await app.Control.ParticipantsAsync(portal, 2)).Count);
    }

    [Fact]
    public async Task A_page_renews_its_session_through_the_portal()
    {
        var (_, ui) = await OpenInstalledAsync(2);
        var before = await ui.App.Locator("meta[name='b24-session']").GetAttributeAsync("content");

        await ui.App.Locator("body").EvaluateAsync("() => window.b24RenewSession()");

        await Assertions.Expect(ui.App.Locator("meta[name='b24-session']")).Not.ToHaveAttributeAsync("content", before!);
        var renewed = await ui.App.Locator("meta[name='b24-session']").GetAttributeAsync("content");
        await Assertions.Expect(ui.App.Locator("input[name='__session']").First).ToHaveValueAsync(renewed!);
        await ui.CallLists.OpenAsync(1);
        await Assertions.Expect(ui.CallList.Participants).ToBeVisibleAsync();
    }
}
