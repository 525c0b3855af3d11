import Testing
import Unlearning
