#include "record/actor.h"

#include <stdio.h>
#include <string.h>

const struct actor actor_cli = {0, ROLE_ADMIN, 0, "cli", "local"};

void actor_link(struct actor *out, int64_t invitation_id, const char *client,
                char name[ACTOR_LINK_NAME_LEN])
{
    snprintf(name, ACTOR_LINK_NAME_LEN, "link %lld", (long long)invitation_id);
    out->user_id = 0;
    out->role = ROLE_RESEARCHER;
    out->practitioner_id = 0;
    out->name = name;
    out->client = client ? client : "local";
}

const char *role_name(enum role r)
{
    switch (r) {
    case ROLE_ADMIN: return "admin";
    case ROLE_THERAPIST: return "therapist";
    case ROLE_RESEARCHER: return "researcher";
    }
    return "unknown";
}

int role_parse(const char *name, enum role *out)
{
    static const enum role roles[] = {ROLE_ADMIN, ROLE_THERAPIST,
                                      ROLE_RESEARCHER};
    for (size_t i = 0; name && i < sizeof(roles) / sizeof(*roles); i++)
        if (!strcmp(name, role_name(roles[i]))) {
            *out = roles[i];
            return 0;
        }
    return -1;
}
