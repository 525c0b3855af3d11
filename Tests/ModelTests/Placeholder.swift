import Testing
import Model
