using System.Globalization;
using PortalEmulator.Portals;

namespace PortalEmulator.Control;

/// <summary>CRM data a test adds to a portal: contacts and call lists.</summary>
public static partial class ControlEndpoints
{
    /// <summary>
    /// Adds generated contacts, for tests and benchmarks that need large lists or a segment:
    /// <c>{"count", "assignedById"?, "lastName"?, "typeId"?, "sourceId"?, "companyId"?, "phone"?}</c>.
    /// </summary>
    static IResult AddContacts(NewContacts request, HttpContext context, Emulator emulator)
    {
        var portal = PortalOf(context);
        var count = request.Count!.Value;
        var lastName = request.LastName ?? "Contact";
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
                    AssignedById = request.AssignedById ?? portal.Users[id % portal.Users.Count].Id,
                    DateCreate = emulator.Time.GetUtcNow().UtcDateTime,
                };
                contact.Fields["NAME"] = "Generated";
                contact.Fields["LAST_NAME"] = lastName + " " + id.ToString(CultureInfo.InvariantCulture);
                contact.Fields["TYPE_ID"] = request.TypeId;
                contact.Fields["SOURCE_ID"] = request.SourceId;
                contact.Fields["COMPANY_ID"] = request.CompanyId?.ToString(CultureInfo.InvariantCulture);
                if (request.Phone == true)
                {
                    contact.Phones.Add(new(100_000 + id, "WORK", string.Create(CultureInfo.InvariantCulture, $"+7 900 {id:D7}"), "PHONE"));
                }

                portal.Contacts[id] = contact;
            }
        }

        return Results.Json(new ContactsAdded(ids[0], ids[^1]));
    }

    /// <summary>Creates a call list directly in the portal's data (no REST call is logged).</summary>
    static IResult AddCallList(NewCallList request, HttpContext context, Emulator emulator)
    {
        var portal = PortalOf(context);
        var type = request.EntityType == "CONTACT" ? CrmEntity.ContactType : CrmEntity.CompanyType;
        var ids = request.EntityIds!;
        lock (portal.Sync)
        {
            var entities = portal.EntitiesOf(type);
            if (ids.Any(id => !entities.ContainsKey(id)) || ids.Distinct().Count() != ids.Length)
            {
                return Bad("'entityIds' must be distinct ids of existing entities");
            }

            var list = DemoSeed.AddCallList(portal, type, request.CreatedById ?? 1, request.WebFormId, ids, emulator.Time.GetUtcNow().UtcDateTime);
            return Results.Json(new CallListAdded(list.Id));
        }
    }
}
