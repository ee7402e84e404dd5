// What a front end writes against the generated types; `tsc --strict` must accept it as is.
// Generated: ../generated/api.d.ts (scripts/check-typescript-client.sh).
import type { components, operations } from "../generated/api";

type Schemas = components["schemas"];
/** The body of `Operation`'s `Status` answer in `Media`. */
type Body<Operation, Status extends number, Media extends string = "application/json"> = Operation extends {
  responses: { [S in Status]: { content: { [M in Media]: infer Content } } };
}
  ? Content
  : never;

// Search: arrays of enums for the comma-joined filters, money as decimal strings.
type SearchQuery = NonNullable<operations["search_apartments"]["parameters"]["query"]>;
const query: SearchQuery = {
  rooms: [1, 2],
  class: ["comfort", "business"],
  status: ["available"],
  price_max: "12000000.00",
  limit: 20,
};

export function searchUrl(search: SearchQuery): string {
  const pairs = Object.entries(search).map(([name, value]) =>
    `${name}=${encodeURIComponent(Array.isArray(value) ? value.join(",") : String(value))}`,
  );
  return `/apartments?${pairs.join("&")}`;
}

type ApartmentPage = Body<operations["search_apartments"], 200>;

export function cheapest(page: ApartmentPage): string | undefined {
  const card: Schemas["ApartmentCard"] | undefined = page.items[0];
  if (card === undefined) {
    return undefined;
  }
  const rubles: "RUB" = card.currency;
  const price: string = card.current_price;
  const kitchen: string = card.area_kitchen ?? "нет кухни";
  const change: string = card.last_change ? card.last_change.change_percent : "0";
  return `${card.project.name}: ${Number(price)} ${rubles}, ${card.area_total} м², кухня ${kitchen}, ${change} % (из ${page.total})`;
}

// A project card: nullable fields are present and typed as such.
export function projectTitle(project: Schemas["ProjectCard"]): string {
  const from = project.min_price === null ? "нет квартир в продаже" : `от ${project.min_price} ₽`;
  const cover: string | null = project.cover_image_url;
  return `${project.name} (${project.developer.name}), ${from}${cover ? ", есть обложка" : ""}`;
}

// Bookings: the same paged shape as the catalog.
type BookingPage = Body<operations["my_bookings"], 200>;

export function activeBookings(page: BookingPage): Schemas["Booking"][] {
  return page.items.filter((booking) => booking.status === "pending" || booking.status === "confirmed");
}

export function bookingLine(booking: Schemas["Booking"]): string {
  const comment: string | null = booking.comment;
  return `${booking.apartment_code}: ${booking.price} ${booking.currency} до ${booking.expires_at}${comment ?? ""}`;
}

// The map: a project or a cluster, narrowed by `kind`.
type Map = Body<operations["map_projects"], 200, "application/geo+json">;

export function label(feature: Schemas["Feature"]): string {
  const properties = feature.properties;
  switch (properties.kind) {
    case "project":
      return `${properties.name} (${properties.class}): от ${properties.min_price} ₽, ЖК ${properties.project_id}`;
    case "cluster": {
      const money: string = properties.min_price;
      return `${properties.projects} ЖК от ${Number(money).toLocaleString("ru-RU")} ₽`;
    }
  }
}

export function labels(map: Map): string[] {
  return map.features.map(label);
}

// Errors: problem+json on every documented failure.
type Problem = Body<operations["search_apartments"], 422, "application/problem+json">;

export function firstFieldError(problem: Problem): string {
  const [first] = problem.errors ?? [];
  return first ? `${first.field}: ${first.message}` : problem.detail;
}

export const example = searchUrl(query);

// Every body above exists: `never` would let any property access compile.
type Present<T> = [T] extends [never] ? false : true;
type Holds<T extends true> = T;
export type BodiesExist = [
  Holds<Present<ApartmentPage>>,
  Holds<Present<BookingPage>>,
  Holds<Present<Map>>,
  Holds<Present<Problem>>,
];
