"""pynamodb models, one module per table. Only this package talks to DynamoDB."""

from chalicelib.store.accounts import Account
from chalicelib.store.activity import ActivityEvent
from chalicelib.store.appointments import Appointment
from chalicelib.store.bounced_addresses import BouncedAddress
from chalicelib.store.client_records import ClientRecord
from chalicelib.store.codes import Code
from chalicelib.store.deletions import AccountDeletion
from chalicelib.store.email_claims import EmailClaim
from chalicelib.store.jobs import JobState
from chalicelib.store.object_leases import ObjectLease
from chalicelib.store.outbox import OutboxEvent
from chalicelib.store.professionals import Professional
from chalicelib.store.rate_limits import RateCounter
from chalicelib.store.sessions import Session

ALL_MODELS = (
    Account,
    EmailClaim,
    Code,
    RateCounter,
    Session,
    Professional,
    ClientRecord,
    Appointment,
    ObjectLease,
    JobState,
    BouncedAddress,
    OutboxEvent,
    ActivityEvent,
    AccountDeletion,
)
