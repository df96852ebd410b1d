using PortalEmulator.Portals;
using static PortalEmulator.Control.ControlEndpoints;

namespace PortalEmulator.Control;

/// <summary>
/// <c>POST /_emulator/portals/{memberId}/users/{userId}</c> <c>{"admin", "crmRead", "active"}</c>: a portal
/// administrator changes a user's rights, effective from the user's next call (profile, user.admin,
/// reads, search and updates all follow).
/// </summary>
static class UserRights
{
    public static string CrmRead(PortalUser user) => user.ReadsAll ? "all" : "own";

    public static IResult Change(int userId, UserRightsChange change, HttpContext context)
    {
        var portal = PortalOf(context);
        var (admin, crmRead, active) = (change.Admin, change.CrmRead, change.Active);
        lock (portal.Sync)
        {
            if (portal.FindUser(userId) is not { } user)
            {
                return NotFound("user");
            }

            user.Admin = admin ?? user.Admin;
            user.ReadsAll = crmRead is null ? user.ReadsAll : crmRead == "all";
            user.Active = active ?? user.Active;
            return Results.Json(UserState.Of(user));
        }
    }
}
