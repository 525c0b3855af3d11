import Testing
import Store
