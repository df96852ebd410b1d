using System.Globalization;
using System.Text.Json.Nodes;
using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>CRM data a test adds to a portal: contacts and call lists.</summary>
public static partial class ControlEndpoints
{
    /// <summary>
    /// Adds generated contacts, for tests and benchmarks that need large lists or a segment:
    /// <c>{"count", "assignedById"?, "lastName"?, "typeId"?, "sourceId"?, "companyId"?, "phone"?}</c>.
    /// </summary>
    static Task<IResult> AddContacts(HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        var portal = PortalOf(request.HttpContext);

        var body = await BodyAsync(request);
        var count = (int)(OptionalNumber(body, "count") ?? throw new BadRequest("'count' is required"));
        if (count is < 1 or > 100_000)
        {
            throw new BadRequest("'count' must be between 1 and 100000");
        }

        var assignedById = (int?)OptionalNumber(body, "assignedById");
        var lastName = OptionalString(body, "lastName") ?? "Contact";
        var typeId = OptionalString(body, "typeId");
        var sourceId = OptionalString(body, "sourceId");
        var companyId = (int?)OptionalNumber(body, "companyId");
        var phone = OptionalBool(body, "phone") ?? false;
        List<int> ids;
        lock (portal.Sync)
        {
            var first = portal.Contacts.Count == 0 ? 1 : portal.Contacts.Keys.Max() + 1;
            ids = Enumerable.Range(first, count).ToList();
            foreach (var id in ids)
            {
                var contact = new CrmEntity
                {
                    EntityTypeId = CrmEntity.ContactType,
                    Id = id,
                    AssignedById = assignedById ?? portal.Users[id % portal.Users.Count].Id,
                    DateCreate = emulator.Time.GetUtcNow().UtcDateTime,
                };
                contact.Fields["NAME"] = "Generated";
                contact.Fields["LAST_NAME"] = lastName + " " + id.ToString(CultureInfo.InvariantCulture);
                contact.Fields["TYPE_ID"] = typeId;
                contact.Fields["SOURCE_ID"] = sourceId;
                contact.Fields["COMPANY_ID"] = companyId?.ToString(CultureInfo.InvariantCulture);
                if (phone)
                {
                    contact.Phones.Add(new(100_000 + id, "WORK", string.Create(CultureInfo.InvariantCulture, $"+7 900 {id:D7}"), "PHONE"));
                }

                portal.Contacts[id] = contact;
            }
        }

        return Results.Json(new { firstId = ids[0], lastId = ids[^1] });
    });

    /// <summary>Creates a call list directly in the portal's data (no REST call is logged).</summary>
    static Task<IResult> AddCallList(HttpRequest request, Emulator emulator) => Guard(async () =>
    {
        var portal = PortalOf(request.HttpContext);

        var body = await BodyAsync(request);
        var type = RequiredString(body, "entityType") switch
        {
            "CONTACT" => CrmEntity.ContactType,
            "COMPANY" => CrmEntity.CompanyType,
            _ => throw new BadRequest("'entityType' must be CONTACT or COMPANY"),
        };
        if (body["entityIds"] is not JsonArray array || array.Count == 0)
        {
            throw new BadRequest("'entityIds' must be a non-empty array of ids");
        }

        var ids = array.Select(n => n is JsonValue v && v.TryGetValue<int>(out var id) ? id : throw new BadRequest("'entityIds' must hold whole numbers")).ToList();
        var webFormId = (int?)OptionalNumber(body, "webFormId");
        var createdById = (int)(OptionalNumber(body, "createdById") ?? 1);
        lock (portal.Sync)
        {
            var entities = portal.EntitiesOf(type);
            if (ids.Any(id => !entities.ContainsKey(id)) || ids.Distinct().Count() != ids.Count)
            {
                throw new BadRequest("'entityIds' must be distinct ids of existing entities");
            }

            var list = DemoSeed.AddCallList(portal, type, createdById, webFormId, ids, emulator.Time.GetUtcNow().UtcDateTime);
            return Results.Json(new { id = list.Id });
        }
    });
}
