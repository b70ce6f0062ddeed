"""Which elders a role reaches, as data the registry can read without importing the user app.

Each role in :data:`yiyang.accounts.roles.ROLE_SPECS` names one reach; :mod:`yiyang.core.scoping`
turns a role assignment's reach and binding (its region, institution or team) into the elders it
may see, and adds the elders granted to the user, their institution or their team
(:class:`yiyang.core.models.AccessGrant`).
"""

from __future__ import annotations

from enum import StrEnum


class Reach(StrEnum):
    #: every elder registered in the region's subtree (卫健 officer)
    REGION = "region"
    #: the residents of eldercare institutions in the region's subtree (民政 officer)
    REGION_ELDERCARE = "region_eldercare"
    #: the elders the institution manages or houses, and those granted to it (its staff)
    INSTITUTION = "institution"
    #: the elders granted to the team (family-doctor team members)
    TEAM = "team"
    #: no elder; every institution and region as reference data (system administrator)
    REFERENCE = "reference"
    #: no elder and no reference data beyond the role's own binding
    NONE = "none"
