using System.Text.Json;
using TestSupport;

namespace PortalEmulator.Tests;

/// <summary>What the emulated portal POSTs to the app: the frame POST's fields and its events, as Bitrix24 sends them.</summary>
public sealed class AppPostTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    async Task<(EmulatedPortal Portal, FormEcho Echo)> PortalWithEchoAsync()
    {
        var echo = await FormEcho.StartAsync();
        var portal = await emulator.Control.CreatePortalAsync(app: new() { HandlerUrl = echo.Url.ToString(), InstallUrl = echo.Url + "install", EventHandlerUrl = echo.Url + "events" });
        return (portal, echo);
    }

    [Fact]
    public async Task An_ordinary_open_sends_placement_options_absent_or_as_an_empty_php_array_turn_about()
    {
        var (portal, echo) = await PortalWithEchoAsync();
        await using var _ = echo;

        await emulator.Control.OpenAsync(portal, new(UserId: 1));
        await emulator.Control.OpenAsync(portal, new(UserId: 1));

        var posts = echo.Posts.ToList();
        Assert.Equal(2, posts.Count);
        Assert.All(posts, p => Assert.Equal("DEFAULT", p.Form["PLACEMENT"]));
        Assert.Single(posts, p => !p.Form.ContainsKey("PLACEMENT_OPTIONS"));
        Assert.Single(posts, p => p.Form.TryGetValue("PLACEMENT_OPTIONS", out var options) && options == "[]");
    }

    [Fact]
    public async Task A_placement_open_sends_its_options_as_a_json_object()
    {
        var (portal, echo) = await PortalWithEchoAsync();
        await using var _ = echo;

        await emulator.Control.OpenAsync(portal, new(UserId: 2, Placement: "CRM_CONTACT_LIST_MENU", PlacementOptions: JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["ID"] = "8061" })));

        var post = Assert.Single(echo.Posts);
        Assert.Equal("CRM_CONTACT_LIST_MENU", post.Form["PLACEMENT"]);
        Assert.Equal("{\"ID\":\"8061\"}", post.Form["PLACEMENT_OPTIONS"]);
    }

    [Theory]
    [InlineData(null, false, "")]
    [InlineData("", true, "")]
    [InlineData("[]", true, "[]")]
    [InlineData("{}", true, "{}")]
    public async Task A_test_may_choose_any_shape_of_placement_options(string? shape, bool present, string sent)
    {
        var (portal, echo) = await PortalWithEchoAsync();
        await using var _ = echo;

        await emulator.Control.OpenAsync(portal, new(UserId: 1, PlacementOptions: JsonSerializer.SerializeToElement(shape)));

        var post = Assert.Single(echo.Posts);
        Assert.Equal(present, post.Form.ContainsKey("PLACEMENT_OPTIONS"));
        Assert.Equal(sent, post.Form.GetValueOrDefault("PLACEMENT_OPTIONS", ""));
    }

    [Fact]
    public async Task The_frame_post_carries_the_documented_fields_in_query_and_body()
    {
        var (portal, echo) = await PortalWithEchoAsync();
        await using var _ = echo;

        await emulator.Control.InstallAsync(portal, new(UserId: 1, Lang: "ru"));

        var post = Assert.Single(echo.Posts);
        Assert.Equal(portal.Domain, post.Query["DOMAIN"]);
        Assert.Equal("0", post.Query["PROTOCOL"]);
        Assert.Equal("ru", post.Query["LANG"]);
        Assert.Matches("^[0-9a-f]{32}$", post.Query["APP_SID"]);
        foreach (var field in new[] { "AUTH_ID", "AUTH_EXPIRES", "REFRESH_ID", "SERVER_ENDPOINT", "member_id", "status", "PLACEMENT", "APPLICATION_TOKEN", "APPLICATION_SCOPE" })
        {
            Assert.True(post.Form.ContainsKey(field), field);
        }

        Assert.False(post.Form.ContainsKey("DOMAIN"));
        Assert.Equal(portal.ApplicationToken, post.Form["APPLICATION_TOKEN"]);
    }

    [Fact]
    public async Task An_uninstall_revokes_the_apps_tokens_before_the_event_and_a_reinstall_brings_a_new_application_token()
    {
        var (portal, echo) = await PortalWithEchoAsync();
        await using var _ = echo;

        await emulator.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", Clean: true));

        var uninstall = Assert.Single(echo.Posts);
        Assert.Equal("ONAPPUNINSTALL", uninstall.Form["event"]);
        Assert.Equal("1", uninstall.Form["data[CLEAN]"]);
        Assert.False(uninstall.Form.ContainsKey("auth[access_token]"));
        var (status, body) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "profile");
        Assert.Equal((401, "invalid_token"), (status, (string)body["error"]!));
        Assert.Equal("invalid_grant", (string)(await emulator.Control.RefreshAsync(portal.Admin.RefreshToken)).Body["error"]!);

        await emulator.Control.InstallAsync(portal, new(UserId: 1));
        var reinstall = echo.Posts.Last();
        Assert.NotEqual(portal.ApplicationToken, reinstall.Form["APPLICATION_TOKEN"]);
        Assert.Equal(200, (await PortalRest.CallAsync(portal, reinstall.Form["AUTH_ID"], "profile")).Status);
    }

    [Fact]
    public async Task A_forged_uninstall_leaves_the_app_installed_and_an_update_may_come_without_tokens()
    {
        var (portal, echo) = await PortalWithEchoAsync();
        await using var _ = echo;

        await emulator.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", Uninstall: false));
        await emulator.Control.SendEventAsync(portal, new(Event: "ONAPPUPDATE", WithTokens: false));

        Assert.Equal(200, (await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "profile")).Status);
        var update = echo.Posts.Last();
        Assert.Equal("ONAPPUPDATE", update.Form["event"]);
        Assert.Equal(portal.ApplicationToken, update.Form["auth[application_token]"]);
        Assert.False(update.Form.ContainsKey("auth[access_token]"));
        Assert.False(update.Form.ContainsKey("auth[refresh_token]"));
    }
}
