"""Hardware profiles: schema, loader and SCALE-Sim config import."""
from accelsim.hardware.loader import DEFAULT_PROFILE, available_profiles, load_profile
from accelsim.hardware.schema import PRECISION_BITS, MacArray, MemoryLevel, PrecisionSpec, Profile, Unit

__all__ = ["DEFAULT_PROFILE", "PRECISION_BITS", "MacArray", "MemoryLevel", "PrecisionSpec", "Profile", "Unit",
           "available_profiles", "load_profile"]
